resource "kubernetes_deployment_v1" "web" {
  metadata {
    name = "web"
  }
  spec {
    selector {
      match_labels = { app = "web" }
    }
    template {
      metadata {
        labels = { app = "web" }
      }
      spec {
        container {
          name  = "app"
          image = "nginx:1.27"
          port {
            container_port = 8080
          }
          port {
            container_port = 9090
            host_port      = 0
          }
        }
      }
    }
  }
}
