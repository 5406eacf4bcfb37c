# Several providers in one root module: the trivy engine compiles only the
# checks of the providers present, and must still find what Trivy finds.
resource "azurerm_storage_account" "logs" {
  name                       = "examplelogs"
  resource_group_name        = "example"
  location                   = "westeurope"
  account_tier               = "Standard"
  account_replication_type   = "LRS"
  min_tls_version            = "TLS1_0"
  https_traffic_only_enabled = false
}

resource "google_storage_bucket" "exports" {
  name                        = "example-exports"
  location                    = "EU"
  uniform_bucket_level_access = false
}

resource "google_compute_firewall" "ssh" {
  name    = "allow-ssh"
  network = "default"

  allow {
    protocol = "tcp"
    ports    = ["22"]
  }

  source_ranges = ["0.0.0.0/0"]
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}

resource "digitalocean_spaces_bucket" "assets" {
  name   = "assets"
  region = "ams3"
  acl    = "public-read"
}

resource "random_id" "suffix" {
  byte_length = 4
}
