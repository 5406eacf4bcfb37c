variable "github_token" {
  type      = string
  sensitive = true
}

provider "aws" {
  region  = "eu-west-1"
  profile = "deploy"
}

provider "github" {
  token = var.github_token
}

provider "google" {
  credentials = file("service-account.json")
  project     = "example"
}

provider "azurerm" {
  features {}
  client_secret = ""
}
