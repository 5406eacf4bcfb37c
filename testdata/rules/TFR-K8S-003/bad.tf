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
        container { # want "TFR-K8S-003: container "app" of kubernetes_deployment_v1.web sets neither run_as_non_root = true nor a non-zero run_as_user, so it runs as the image's user, often root" @14:9-14:18
          name  = "app"
          image = "nginx:1.27"
        }
        container {
          name  = "root"
          image = "busybox:1.36"
          security_context {
            run_as_user = 0 # want "TFR-K8S-003: container "root" of kubernetes_deployment_v1.web runs as UID 0 \(root\)" @22:27-22:28
          }
        }
        init_container {
          name  = "setup"
          image = "busybox:1.36"
          security_context {
            run_as_non_root = false # want "TFR-K8S-003: init container "setup" of kubernetes_deployment_v1.web sets run_as_non_root to false" @29:31-29:36
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
          run_as_user = "0" # want "TFR-K8S-003: container "a" of kubernetes_daemon_set_v1.agent runs as UID 0 \(root\)" @51:25-51:28
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
      containers = [{ name = "a", image = "nginx:1.27", securityContext = { runAsNonRoot = false } }] # want "TFR-K8S-003: container "a" of kubernetes_manifest.pod sets run_as_non_root to false" @72:92-72:97
    }
  }
}
