variable "host_network" {
  type = bool
}

resource "kubernetes_pod_v1" "web" {
  metadata {
    name = "web"
  }
  spec {
    host_network = false
    host_pid     = var.host_network
    container {
      name  = "web"
      image = "nginx:1.27"
    }
  }
}
