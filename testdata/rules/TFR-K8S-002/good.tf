variable "escalate" {
  type = bool
}

variable "sidecars" {
  type = list(string)
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
          security_context {
            allow_privilege_escalation = false
          }
        }
        init_container {
          name  = "unknown"
          image = "busybox:1.36"
          security_context {
            allow_privilege_escalation = var.escalate
          }
        }
        container {
          name  = "generated"
          image = "busybox:1.36"
          # The security context comes from a dynamic block: not visible,
          # so not reported.
          dynamic "security_context" {
            for_each = var.sidecars
            content {
              allow_privilege_escalation = false
            }
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
      containers = [{ name = "a", image = "nginx:1.27", securityContext = { allowPrivilegeEscalation = false } }]
    }
  }
}

# Not a workload: kubernetes_manifest of another kind.
resource "kubernetes_manifest" "cm" {
  manifest = {
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata   = { name = "c", namespace = "default" }
    data       = { a = "b" }
  }
}
