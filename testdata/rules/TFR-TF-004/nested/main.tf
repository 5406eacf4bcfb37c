# want "TFR-TF-004" (a root module with no terraform block is reported at its first file)
resource "terraform_data" "marker" {
  input = "x"
}
