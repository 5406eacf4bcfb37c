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
        container { # want "TFR-K8S-002: container "app" of kubernetes_deployment_v1.web does not set allow_privilege_escalation = false \(Kubernetes allows escalation by default\)" @19:9-19:18
          name  = "app"
          image = "nginx:1.27"
        }
        container {
          name  = "sidecar"
          image = "envoyproxy/envoy:v1.31.0"
          security_context { # want "TFR-K8S-002: container "sidecar" of kubernetes_deployment_v1.web does not set allow_privilege_escalation = false \(Kubernetes allows escalation by default\)" @26:11-26:27
            run_as_non_root = true
          }
        }
        init_container {
          name  = "setup"
          image = "busybox:1.36"
          security_context {
            allow_privilege_escalation = true # want "TFR-K8S-002: init container "setup" of kubernetes_deployment_v1.web sets allow_privilege_escalation to true" @34:42-34:46
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
            allow_privilege_escalation = var.escalate # want "TFR-K8S-002: container "migrate" of kubernetes_job_v1.migrate sets allow_privilege_escalation to true" @54:42-54:54
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
        { name = "a", image = "nginx:1.27", securityContext = { allowPrivilegeEscalation = true } }, # want "TFR-K8S-002: container "a" of kubernetes_manifest.pod sets allow_privilege_escalation to true" @70:92-70:96
        { # want "TFR-K8S-002: container "b" of kubernetes_manifest.pod does not set allow_privilege_escalation = false \(Kubernetes allows escalation by default\)" @71:9-74:10
          name  = "b"
          image = "nginx:1.27"
        },
      ]
    }
  }
}
