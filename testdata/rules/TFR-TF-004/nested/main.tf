# want "TFR-TF-004: root module has no terraform \{ required_version \}" @1:1-1:1
# A root module with no terraform block is reported at the start of its first file.
resource "terraform_data" "marker" {
  input = "x"
}
