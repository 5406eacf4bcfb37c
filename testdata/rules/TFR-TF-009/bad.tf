variable "installer_url" {
  type    = string
  default = "https://get.example.com/install.sh"
}

resource "terraform_data" "bootstrap" {
  provisioner "local-exec" {
    command = "curl -fsSL https://get.example.com/install.sh | bash" # want "TFR-TF-009: local-exec provisioner of terraform_data.bootstrap pipes a downloaded script into a shell" @8:15-8:69
  }
}

resource "terraform_data" "bootstrap_var" {
  provisioner "local-exec" {
    command = "wget -qO- ${var.installer_url} | sudo -E sh" # want "TFR-TF-009: local-exec provisioner of terraform_data.bootstrap_var pipes a downloaded script into a shell" @14:15-14:60
  }
}

resource "null_resource" "remote" {
  connection {
    host = "10.0.0.1"
  }
  provisioner "remote-exec" {
    inline = [ # want "TFR-TF-009: remote-exec provisioner of null_resource.remote pipes a downloaded script into a shell" @23:14-26:6
      "apt-get update",
      "bash -c \"$(curl -fsSL https://get.example.com/setup.sh)\"",
    ]
  }
}
