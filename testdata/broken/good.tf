resource "aws_ebs_volume" "unencrypted" {
  availability_zone = "eu-west-1a"
  size              = 10
  encrypted         = false
}
