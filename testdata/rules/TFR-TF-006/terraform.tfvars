region     = "eu-west-1"
access_key = "AKIAZ7Q2X9W4R5T6Y3U7" # want "TFR-TF-006"
