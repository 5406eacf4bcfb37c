variable "privileged" {
  type = bool
}

resource "kubernetes_stateful_set_v1" "db" {
  metadata {
    name = "db"
  }
  spec {
    service_name = "db"
    selector {
      match_labels = { app = "db" }
    }
    template {
      metadata {
        labels = { app = "db" }
      }
      spec {
        container {
          name  = "db"
          image = "postgres:16.4"
          security_context {
            privileged = false
          }
        }
        container {
          name  = "sidecar"
          image = "busybox:1.36"
        }
        container {
          name  = "unknown"
          image = "busybox:1.36"
          # No value for the variable: unknown, so not reported.
          security_context {
            privileged = var.privileged
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
      containers = [{ name = "a", image = "nginx:1.27", securityContext = { privileged = false } }]
    }
  }
}
