module "http" {
  source = "http://modules.example.com/vpc.zip" # want "TFR-TF-007: module "http" is fetched over http://, without encryption" @2:12-2:48
}

module "git_protocol" {
  source = "git::git://example.com/org/network.git?ref=v1.2.0" # want "TFR-TF-007: module "git_protocol" is fetched over git://, without encryption" @6:12-6:63
}

module "git_over_http" {
  source = "git::http://example.com/org/network.git?ref=v1.2.0" # want "TFR-TF-007: module "git_over_http" is fetched over http://, without encryption" @10:12-10:64
}
