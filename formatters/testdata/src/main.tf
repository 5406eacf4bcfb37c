# Web tier for the café ordering app.
module "storage" {
  source = "./modules/storage"
  name   = "café-menu"
}

# tfreview:ignore:AWS-0099 exp:2024-01-31 description is being written
resource "aws_security_group" "web" {
  name    = "web"
  ingress = [{ description = "SSH — café", from_port = 22, to_port = 22, protocol = "tcp", cidr_blocks = ["0.0.0.0/0"] }]
}

#trivy:ignore:AWS-0089 logging is centralised in the audit account
resource "aws_s3_bucket" "menu_photos" {
  bucket = "café-menu-photos"
}

module "network" {
  source = "git::https://example.com/network.git?ref=v1.2.0"
}
