variable "copies" {
  type = number
}

resource "aws_s3_bucket" "this" {
  count  = var.copies
  bucket = "data-${count.index}"
}
