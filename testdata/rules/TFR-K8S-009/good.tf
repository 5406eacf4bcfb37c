variable "limits" {
  type = map(string)
}

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
          resources {
            limits = {
              cpu    = "500m"
              memory = "256Mi"
            }
          }
        }
        container {
          name  = "configured"
          image = "nginx:1.27"
          resources {
            limits = var.limits
          }
        }
      }
    }
  }
}

resource "kubernetes_pod" "legacy" {
  metadata {
    name = "legacy"
  }
  spec {
    container {
      name  = "app"
      image = "nginx:1.27"
      resources {
        limits {
          cpu    = "100m"
          memory = "128Mi"
        }
      }
    }
  }
}
