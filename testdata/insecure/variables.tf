variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "environment" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "open_ports" {
  type    = list(number)
  default = [22, 443]
}

variable "instance_count" {
  type    = number
  default = 1
}

variable "db_password" {
  type = string
}
