module "bucket" {
  source = "../bucket"
  copies = 2
}
