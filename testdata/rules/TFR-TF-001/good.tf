module "tag" {
  source = "git::https://example.com/org/network.git?ref=v1.4.2"
}

module "sha" {
  source = "github.com/org/terraform-modules//vpc?ref=3f9c2e1d4b5a6978c0d1e2f3a4b5c6d7e8f90123"
}

module "registry" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.1"
}

module "local" {
  source = "./modules/none"
}
