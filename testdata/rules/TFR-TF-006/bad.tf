variable "deploy_key" {
  type    = string
  default = "AKIAZ7Q2X9W4R5T6Y3U8" # want "TFR-TF-006: the default of variable "deploy_key" looks like it contains an AWS access key ID" @3:14-3:34
}

locals {
  slack_hook = "https://hooks.slack.com/services/T0ABCDEFG/B0ABCDEFG/Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2" # want "TFR-TF-006: local.slack_hook looks like it contains a Slack webhook URL" @7:50-7:94
  settings = {
    aws_secret_access_key = "q8Xk2Lm9Pz4Rt7Vw1Ny5Bc3Df6Gh0Jk8Ls2Qa4Er" # want "TFR-TF-006: local.settings looks like it contains an AWS secret access key" @9:30-9:70
  }
}

resource "kubernetes_secret_v1" "ci" {
  metadata {
    name = "ci"
  }
  data = {
    token = "ghp_Ab3De6Gh9Jk2Mn5Pq8St1Vw4Yz7Bc0Ef3Hi6K" # want "TFR-TF-006: kubernetes_secret_v1.ci.data looks like it contains a GitHub token" @18:14-18:55
  }
}

resource "tls_locally_signed_cert" "c" {
  ca_private_key_pem    = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----\n" # want "TFR-TF-006: tls_locally_signed_cert.c.ca_private_key_pem looks like it contains a private key" @23:28-23:59
  cert_request_pem      = "x"
  ca_cert_pem           = "y"
  validity_period_hours = 1
  allowed_uses          = ["server_auth"]
}

module "notify" {
  source      = "./modules/notify"
  slack_token = "xoxb-123456789012-abcdefABCDEF" # want "TFR-TF-006: module.notify.slack_token looks like it contains a Slack token" @32:18-32:48
}

output "id" {
  value = "AKIAZ7Q2X9W4R5T6Y3U9" # want "TFR-TF-006: output "id" looks like it contains an AWS access key ID" @36:12-36:32
}
