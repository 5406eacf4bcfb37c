variable "uid" {
  type = number
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
        # Pod-level settings apply to every container.
        security_context {
          run_as_non_root = true
        }
        container {
          name  = "app"
          image = "nginx:1.27"
        }
        container {
          name  = "uid"
          image = "busybox:1.36"
          security_context {
            run_as_user = 10001
          }
        }
        container {
          name  = "unknown"
          image = "busybox:1.36"
          security_context {
            run_as_user = var.uid
          }
        }
      }
    }
  }
}

resource "kubernetes_manifest" "pod" {
  manifest = {
    apiVersion = "v1"
    kind       = "Pod"
    metadata   = { name = "p", namespace = "default" }
    spec = {
      securityContext = { runAsUser = 1000 }
      containers      = [{ name = "a", image = "nginx:1.27" }]
    }
  }
}
