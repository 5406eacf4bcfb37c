variable "privileged" {
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
        container {
          name  = "app"
          image = "nginx:1.27"
          security_context {
            privileged = true # want "TFR-K8S-001: container "app" of kubernetes_deployment_v1.web runs privileged" @23:26-23:30
          }
        }
        init_container {
          name  = "setup"
          image = "busybox:1.36"
          security_context {
            privileged = var.privileged # want "TFR-K8S-001: init container "setup" of kubernetes_deployment_v1.web runs privileged" @30:26-30:40
          }
        }
      }
    }
  }
}

resource "kubernetes_pod" "debug" {
  metadata { name = "debug" }
  spec {
    container {
      name  = "debug"
      image = "busybox:1.36"
      security_context { privileged = true } # want "TFR-K8S-001: container "debug" of kubernetes_pod.debug runs privileged" @44:39-44:43
    }
  }
}

resource "kubernetes_cron_job_v1" "backup" {
  metadata {
    name = "backup"
  }
  spec {
    schedule = "0 3 * * *"
    job_template {
      metadata {}
      spec {
        template {
          metadata {}
          spec {
            container {
              name  = "backup"
              image = "restic/restic:0.17.0"
              security_context {
                privileged = true # want "TFR-K8S-001: container "backup" of kubernetes_cron_job_v1.backup runs privileged" @65:30-65:34
              }
            }
          }
        }
      }
    }
  }
}

resource "kubernetes_manifest" "agent" {
  manifest = {
    apiVersion = "apps/v1"
    kind       = "DaemonSet"
    metadata   = { name = "agent", namespace = "default" }
    spec = {
      selector = { matchLabels = { app = "agent" } }
      template = {
        metadata = { labels = { app = "agent" } }
        spec = {
          containers = [
            {
              name  = "agent"
              image = "agent:2.1"
              securityContext = {
                privileged = true # want "TFR-K8S-001: container "agent" of kubernetes_manifest.agent runs privileged" @90:30-90:34
              }
            },
          ]
        }
      }
    }
  }
}
