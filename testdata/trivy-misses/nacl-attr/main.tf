resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_network_acl" "public" {
  vpc_id = aws_vpc.main.id

  ingress = [
    {
      protocol        = "tcp"
      rule_no         = 100
      action          = "allow"
      cidr_block      = "0.0.0.0/0"
      ipv6_cidr_block = null
      from_port       = 3389
      to_port         = 3389
      icmp_code       = null
      icmp_type       = null
    },
  ]
}
