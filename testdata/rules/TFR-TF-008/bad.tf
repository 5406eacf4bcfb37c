terraform {
  required_providers {
    aws    = "~> 5.0" # want "TFR-TF-008: provider "aws" has no source address, so Terraform assumes hashicorp/aws" @3:14-3:22
    random = { version = "~> 3.6" } # want "TFR-TF-008: provider "random" has no source address, so Terraform assumes hashicorp/random" @4:14-4:36
    datadog = { # want "TFR-TF-008: provider "datadog" has no source address, so Terraform assumes hashicorp/datadog" @5:15-7:6
      version = "~> 3.40"
    }
  }
}
