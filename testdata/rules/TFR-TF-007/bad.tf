module "http" {
  source = "http://modules.example.com/vpc.zip" # want "TFR-TF-007"
}

module "git_protocol" {
  source = "git::git://example.com/org/network.git?ref=v1.2.0" # want "TFR-TF-007"
}

module "git_over_http" {
  source = "git::http://example.com/org/network.git?ref=v1.2.0" # want "TFR-TF-007"
}
