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
          security_context {
            capabilities {
              add  = ["NET_BIND_SERVICE", "CHOWN"]
              drop = ["ALL"]
            }
          }
        }
      }
    }
  }
}
