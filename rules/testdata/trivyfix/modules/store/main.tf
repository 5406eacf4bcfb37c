variable "name" {
  type = string
}

resource "aws_kms_key" "this" {
  description         = "key for ${var.name}"
  enable_key_rotation = false
}
