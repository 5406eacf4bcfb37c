variable "bucket_name" {
  type = string
}

# The bucket is created elsewhere (another stack); this module only sets
# its public access block, turning all four protections off.
resource "aws_s3_bucket_public_access_block" "shared" {
  bucket                  = var.bucket_name
  block_public_acls       = false
  block_public_policy     = false
  ignore_public_acls      = false
  restrict_public_buckets = false
}
