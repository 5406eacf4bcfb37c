# Ignore comments in every supported form. Each resource is insecure; the
# comments decide what is reported.

# tfreview:ignore:AWS-0026 scratch volume, holds no data
resource "aws_ebs_volume" "block_level" {
  availability_zone = "eu-west-1a"
  size              = 10
  encrypted         = false
}

resource "aws_ebs_volume" "end_of_line" {
  availability_zone = "eu-west-1a"
  size              = 10
  encrypted         = false # tfreview:ignore:AWS-0026
}

resource "aws_ebs_volume" "expired" {
  availability_zone = "eu-west-1a"
  size              = 10
  # tfreview:ignore:AWS-0026:exp:2020-01-01 waiting for KMS key, ticket OPS-1
  encrypted = false
}

resource "aws_ebs_volume" "future" {
  availability_zone = "eu-west-1a"
  size              = 10
  # trivy:ignore:AVD-AWS-0026:exp:2999-12-31 migrating
  encrypted = false
}

// tfsec:ignore:aws-ec2-volume-encryption-customer-key
resource "aws_ebs_volume" "tfsec_style" {
  availability_zone = "eu-west-1a"
  size              = 10
  encrypted         = true
}

# tfreview:ignore:AWS-0086 nothing here matches this
resource "aws_ebs_volume" "unused_ignore" {
  availability_zone = "eu-west-1a"
  size              = 10
  encrypted         = true
  kms_key_id        = "arn:aws:kms:eu-west-1:111122223333:key/abcd"
}

locals {
  # Directive text inside a string below is not a comment, so it is no ignore.
  note = "tfreview:ignore:AWS-0026"
}
