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
        security_context {
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }
        container {
          name  = "app"
          image = "nginx:1.27"
        }
      }
    }
  }
}

# Every container sets its own profile.
resource "kubernetes_pod_v1" "tool" {
  metadata {
    name = "tool"
  }
  spec {
    container {
      name  = "tool"
      image = "busybox:1.36"
      security_context {
        seccomp_profile {
          type              = "Localhost"
          localhost_profile = "profiles/tool.json"
        }
      }
    }
  }
}
