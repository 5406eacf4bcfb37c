resource "kubernetes_service_account_v1" "quiet" {
  metadata {
    name = "quiet"
  }
  automount_service_account_token = false
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
        automount_service_account_token = false
        container {
          name  = "app"
          image = "nginx:1.27"
        }
      }
    }
  }
}

# The service account opts out, so the pod inherits false.
resource "kubernetes_pod_v1" "tool" {
  metadata {
    name = "tool"
  }
  spec {
    service_account_name = "quiet"
    container {
      name  = "tool"
      image = "busybox:1.36"
    }
  }
}
