resource "aws_sqs_queue" "jobs" {
  name                    = "jobs"
  kms_master_key_id       = null
  sqs_managed_sse_enabled = false
}
