resource "aws_sqs_queue" "this" {
  name = "queue"
  tags = { # want "TFR-AWS-001: module.queue_frankfurt.aws_sqs_queue.this lacks required tags: owner" @3:10-5:4
    cost-center = "42"
  }
}
