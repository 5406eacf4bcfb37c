variable "region" {
  type = string
}

provider "aws" {
  region = "eu-west-1"
}

provider "aws" {
  alias  = "configured"
  region = var.region
}

# Region from AWS_REGION: cannot be checked here.
provider "aws" {
  alias = "env"
}

provider "google" {
  region = "us-central1"
}
