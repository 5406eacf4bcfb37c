module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.1.2"
}

module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = ">= 19.0, < 20.0"
}

module "rds" {
  source  = "terraform-aws-modules/rds/aws"
  version = "~> 6.1"
}

module "git" {
  source = "git::https://example.com/org/network.git?ref=v1.0.0"
}
