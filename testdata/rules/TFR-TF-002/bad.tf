module "vpc" { # want "TFR-TF-002: registry module "vpc" \(terraform-aws-modules/vpc/aws\) has no version: every init takes the newest release" @1:1-1:13
  source = "terraform-aws-modules/vpc/aws"
}

module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = ">= 19.0" # want "TFR-TF-002: registry module "eks" allows any newer version \(">= 19.0" has no upper bound\)" @7:13-7:22
}

module "private_registry" { # want "TFR-TF-002: registry module "private_registry" \(app.terraform.io/example-corp/k8s-cluster/azurerm\) has no version: every init takes the newest release" @10:1-10:26
  source = "app.terraform.io/example-corp/k8s-cluster/azurerm"
}
