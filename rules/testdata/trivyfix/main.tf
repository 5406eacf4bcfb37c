variable "encrypt" {
  type    = bool
  default = false
}

# count: a companion versioning resource would need the same count.
resource "aws_s3_bucket" "per_env" {
  count  = 2
  bucket = "per-env-${count.index}"
}

# The value comes from a variable: changing it here changes every caller.
resource "aws_ebs_volume" "from_var" {
  availability_zone = "eu-west-1a"
  size              = 10
  encrypted         = var.encrypt
}

# A literal: fixed, with a warning that the volume is replaced.
resource "aws_ebs_volume" "literal" {
  availability_zone = "eu-west-1a"
  size              = 10
  encrypted         = false
}

resource "aws_security_group" "web" {
  name        = "web"
  description = "Web servers"

  dynamic "ingress" {
    for_each = [80, 443]
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["10.0.0.0/8"]
    }
  }
}

module "store_a" {
  source = "./modules/store"
  name   = "a"
}

module "store_b" {
  source = "./modules/store"
  name   = "b"
}
