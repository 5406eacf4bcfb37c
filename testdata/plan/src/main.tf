variable "allowed_cidr" {
  type = string
}

resource "aws_security_group" "web" {
  name        = "web"
  description = "web servers"

  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.allowed_cidr]
  }
}

module "app" {
  source = "./modules/app"
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
}
