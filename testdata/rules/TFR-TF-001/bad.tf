module "no_ref" {
  source = "git::https://example.com/org/network.git" # want "TFR-TF-001: module "no_ref" is sourced from git with no ref, so it follows the default branch" @2:12-2:54
}

module "branch" {
  source = "git::https://example.com/org/network.git?ref=main" # want "TFR-TF-001: module "branch" is pinned to ref "main", which looks like a branch, not a tag or commit" @6:12-6:63
}

module "github_branch" {
  source = "github.com/org/terraform-modules//vpc?ref=develop" # want "TFR-TF-001: module "github_branch" is pinned to ref "develop", which looks like a branch, not a tag or commit" @10:12-10:63
}

module "ssh_no_ref" {
  source = "git@github.com:org/modules.git//s3" # want "TFR-TF-001: module "ssh_no_ref" is sourced from git with no ref, so it follows the default branch" @14:12-14:48
}
