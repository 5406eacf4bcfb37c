provider "aws" {
  region = "us-east-1" # want "TFR-AWS-002: provider "aws" uses region "us-east-1", not one of the allowed regions \(eu-west-1, eu-central-1\)" @2:12-2:23
}

provider "aws" {
  alias  = "mumbai"
  region = "ap-south-1" # want "TFR-AWS-002: provider "aws" \(alias "mumbai"\) uses region "ap-south-1", not one of the allowed regions \(eu-west-1, eu-central-1\)" @7:12-7:24
}

provider "aws" {
  alias  = "ireland"
  region = "eu-west-1"
}

# AWS provider v6: a per-resource region.
resource "aws_sqs_queue" "replica" {
  provider = aws.ireland
  region   = "us-west-2" # want "TFR-AWS-002: aws_sqs_queue.replica is placed in region "us-west-2", not one of the allowed regions \(eu-west-1, eu-central-1\)" @18:14-18:25
  name     = "replica"
}
