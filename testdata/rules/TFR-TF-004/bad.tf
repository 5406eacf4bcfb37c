terraform { # want "TFR-TF-004: root module has no terraform \{ required_version \}" @1:1-1:10
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}
