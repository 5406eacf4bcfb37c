variable "token" {
  type      = string
  sensitive = true
}

variable "example_key" {
  # AWS's documentation placeholder is not a secret.
  default = "AKIAIOSFODNN7EXAMPLE"
}

locals {
  bucket_arn = "arn:aws:s3:::my-bucket"
  sha        = "3f9c2e1d4b5a6978c0d1e2f3a4b5c6d7e8f90123"
}

resource "kubernetes_secret_v1" "ci" {
  metadata {
    name = "ci"
  }
  data = {
    token = var.token
  }
}

# Trivy's AWS-0029 reads user_data for secrets; tfreview leaves it to Trivy.
resource "aws_instance" "web" {
  ami           = "ami-12345678"
  instance_type = "t3.micro"
  user_data     = "export AWS_ACCESS_KEY_ID=AKIAZ7Q2X9W4R5T6Y3U8"
  metadata_options {
    http_tokens = "required"
  }
}
