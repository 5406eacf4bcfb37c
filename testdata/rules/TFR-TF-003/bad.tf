terraform {
  required_providers {
    aws = { # want "TFR-TF-003"
      source = "hashicorp/aws"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
    kubernetes = { source = "hashicorp/kubernetes" } # want "TFR-TF-003"
  }
}
