module "no_ref" {
  source = "git::https://example.com/org/network.git" # want "TFR-TF-001"
}

module "branch" {
  source = "git::https://example.com/org/network.git?ref=main" # want "TFR-TF-001"
}

module "github_branch" {
  source = "github.com/org/terraform-modules//vpc?ref=develop" # want "TFR-TF-001"
}

module "ssh_no_ref" {
  source = "git@github.com:org/modules.git//s3" # want "TFR-TF-001"
}
