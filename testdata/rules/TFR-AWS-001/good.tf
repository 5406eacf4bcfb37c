variable "tags" {
  type = map(string)
}

resource "aws_s3_bucket" "data" {
  bucket = "example-data"
  tags = {
    owner       = "data"
    cost-center = "7"
  }
}

# Tags from a variable with no value cannot be checked: not reported.
resource "aws_sqs_queue" "jobs" {
  name = "jobs"
  tags = var.tags
}

# Not taggable.
resource "aws_s3_bucket_policy" "data" {
  bucket = aws_s3_bucket.data.id
  policy = "{}"
}
