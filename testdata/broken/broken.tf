resource "aws_s3_bucket" "oops" {
  bucket = "missing-brace"

resource "aws_sqs_queue" "q" {
  name = "q"
}
