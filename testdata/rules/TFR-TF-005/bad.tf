provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIAZ7Q2X9W4R5T6Y3U8"                     # want "TFR-TF-005: provider "aws" has a hard-coded access_key" @3:16-3:38
  secret_key = "q8Xk2Lm9Pz4Rt7Vw1Ny5Bc3Df6Gh0Jk8Ls2Qa4Er" # want "TFR-TF-005: provider "aws" has a hard-coded secret_key" @4:16-4:58
}

provider "github" {
  token = "not-a-real-token-but-still-hard-coded" # want "TFR-TF-005: provider "github" has a hard-coded token" @8:11-8:50
}

provider "azurerm" {
  features {}
  client_id     = "00000000-0000-0000-0000-000000000000"
  client_secret = "s3cr3t-v4lu3-in-code" # want "TFR-TF-005: provider "azurerm" has a hard-coded client_secret" @14:19-14:41
}
