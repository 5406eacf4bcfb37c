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
        container { # want "TFR-K8S-003"
          name  = "app"
          image = "nginx:1.27"
        }
        container {
          name  = "root"
          image = "busybox:1.36"
          security_context {
            run_as_user = 0 # want "TFR-K8S-003"
          }
        }
        init_container {
          name  = "setup"
          image = "busybox:1.36"
          security_context {
            run_as_non_root = false # want "TFR-K8S-003"
          }
        }
      }
    }
  }
}

resource "kubernetes_daemon_set_v1" "agent" {
  metadata {
    name = "agent"
  }
  spec {
    selector {
      match_labels = { app = "agent" }
    }
    template {
      metadata {
        labels = { app = "agent" }
      }
      spec {
        security_context {
          run_as_user = "0" # want "TFR-K8S-003"
        }
        container {
          name  = "a"
          image = "agent:2.1"
        }
        container {
          name  = "b"
          image = "agent:2.1"
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
      containers = [{ name = "a", image = "nginx:1.27", securityContext = { runAsNonRoot = false } }] # want "TFR-K8S-003"
    }
  }
}
