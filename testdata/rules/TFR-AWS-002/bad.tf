provider "aws" {
  region = "us-east-1" # want "TFR-AWS-002"
}

provider "aws" {
  alias  = "mumbai"
  region = "ap-south-1" # want "TFR-AWS-002"
}

provider "aws" {
  alias  = "ireland"
  region = "eu-west-1"
}

# AWS provider v6: a per-resource region.
resource "aws_sqs_queue" "replica" {
  provider = aws.ireland
  region   = "us-west-2" # want "TFR-AWS-002"
  name     = "replica"
}
