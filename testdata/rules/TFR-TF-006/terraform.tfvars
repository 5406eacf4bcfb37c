region     = "eu-west-1"
access_key = "AKIAZ7Q2X9W4R5T6Y3U7" # want "TFR-TF-006: the value of access_key in terraform.tfvars looks like it contains an AWS access key ID" @2:15-2:35
