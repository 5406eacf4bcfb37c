# Insecure example project for tfreview: every resource here has at least one
# problem a reviewer should catch. Commentaire non-ASCII : données chiffrées ? 日本語のコメント
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

provider "aws" {
  region = var.region
}

locals {
  name_prefix = "${var.environment}-app"
  admin_cidrs = ["0.0.0.0/0"]
}

resource "aws_security_group" "web" {
  name        = "${local.name_prefix}-web"
  description = "Web servers"
  vpc_id      = var.vpc_id

  dynamic "ingress" {
    for_each = var.open_ports
    content {
      description = "port ${ingress.value}"
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = local.admin_cidrs
    }
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "web" {
  count         = var.instance_count
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"

  vpc_security_group_ids = [aws_security_group.web.id]

  root_block_device {
    encrypted = false
  }
}

resource "aws_ebs_volume" "data" {
  for_each          = toset(["logs", "cache"])
  availability_zone = "eu-west-1a"
  size              = 20
  encrypted         = false
}

module "logs_bucket" {
  source = "./modules/bucket"
  name   = "${local.name_prefix}-logs"
}

module "assets_bucket" {
  source = "./modules/bucket"
  name   = "${local.name_prefix}-assets"
}

module "vpc" {
  source = "git::https://github.com/terraform-aws-modules/terraform-aws-vpc.git?ref=main"
  name   = "example"
}
