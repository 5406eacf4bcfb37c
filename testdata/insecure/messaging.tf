resource "aws_sqs_queue" "jobs" {
  name = "jobs" # file with CRLF line endings
}

resource "aws_sns_topic" "alerts" {
  name = "alerts"
}
