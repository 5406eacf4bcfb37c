module "vpc" { # want "TFR-TF-002"
  source = "terraform-aws-modules/vpc/aws"
}

module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = ">= 19.0" # want "TFR-TF-002"
}

module "private_registry" { # want "TFR-TF-002"
  source = "app.terraform.io/example-corp/k8s-cluster/azurerm"
}
