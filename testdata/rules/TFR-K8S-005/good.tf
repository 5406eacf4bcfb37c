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
        }
        volume {
          name = "cache"
          empty_dir {}
        }
        volume {
          name = "config"
          config_map {
            name = "web"
          }
        }
      }
    }
  }
}
