resource "aws_s3_bucket" "data" {
  bucket = "data"

  versioning {
    mfa_delete = true
  }
}
