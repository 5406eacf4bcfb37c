variable "escalate" {
  type    = bool
  default = true
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
        container { # want "TFR-K8S-002"
          name  = "app"
          image = "nginx:1.27"
        }
        container {
          name  = "sidecar"
          image = "envoyproxy/envoy:v1.31.0"
          security_context { # want "TFR-K8S-002"
            run_as_non_root = true
          }
        }
        init_container {
          name  = "setup"
          image = "busybox:1.36"
          security_context {
            allow_privilege_escalation = true # want "TFR-K8S-002"
          }
        }
      }
    }
  }
}

resource "kubernetes_job_v1" "migrate" {
  metadata {
    name = "migrate"
  }
  spec {
    template {
      metadata {}
      spec {
        container {
          name  = "migrate"
          image = "migrate/migrate:v4.17.1"
          security_context {
            allow_privilege_escalation = var.escalate # want "TFR-K8S-002"
          }
        }
        restart_policy = "Never"
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
      containers = [
        { name = "a", image = "nginx:1.27", securityContext = { allowPrivilegeEscalation = true } }, # want "TFR-K8S-002"
        { # want "TFR-K8S-002"
          name  = "b"
          image = "nginx:1.27"
        },
      ]
    }
  }
}
