resource "aws_sqs_queue" "this" {
  name = "queue"
  tags = { # want "TFR-AWS-001"
    cost-center = "42"
  }
}
