module "https" {
  source = "https://modules.example.com/vpc.zip"
}

module "git_https" {
  source = "git::https://example.com/org/network.git?ref=v1.2.0"
}

module "ssh" {
  source = "git::ssh://git@example.com/org/network.git?ref=v1.2.0"
}

module "registry" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.1"
}
