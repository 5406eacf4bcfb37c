variable "slack_token" {
  type      = string
  sensitive = true
}

resource "terraform_data" "notify" {
  input = var.slack_token
}
