terraform {
  required_providers {
    aws    = "~> 5.0" # want "TFR-TF-008"
    random = { version = "~> 3.6" } # want "TFR-TF-008"
    datadog = { # want "TFR-TF-008"
      version = "~> 3.40"
    }
  }
}
