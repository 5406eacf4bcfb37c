terraform {
  required_providers {
    aws = { # want "TFR-TF-003: provider "aws" has no version constraint" @3:11-5:6
      source = "hashicorp/aws"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
    kubernetes = { source = "hashicorp/kubernetes" } # want "TFR-TF-003: provider "kubernetes" has no version constraint" @10:18-10:53
  }
}
