resource "terraform_data" "bootstrap" {
  provisioner "local-exec" {
    command = "curl -fsSLo install.sh https://get.example.com/v1.2.3/install.sh && sha256sum -c install.sh.sha256 && bash install.sh"
  }
}

resource "null_resource" "remote" {
  connection {
    host = "10.0.0.1"
  }
  provisioner "remote-exec" {
    inline = ["apt-get install -y nginx"]
  }
}
