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
        container { # want "TFR-K8S-009: container "app" of kubernetes_deployment_v1.web has no cpu and memory limits" @14:9-14:18
          name  = "app"
          image = "nginx:1.27"
        }
        container {
          name  = "sidecar"
          image = "envoyproxy/envoy:v1.31.0"
          resources {
            limits = { # want "TFR-K8S-009: container "sidecar" of kubernetes_deployment_v1.web has no memory limit" @22:22-24:14
              cpu = "250m"
            }
            requests = {
              memory = "64Mi"
            }
          }
        }
        init_container {
          name  = "setup"
          image = "busybox:1.36"
          resources { # want "TFR-K8S-009: init container "setup" of kubernetes_deployment_v1.web has no cpu and memory limits" @33:11-33:20
            requests = {
              cpu = "10m"
            }
          }
        }
      }
    }
  }
}

# Provider v1 syntax: limits as a block.
resource "kubernetes_pod" "legacy" {
  metadata {
    name = "legacy"
  }
  spec {
    container {
      name  = "app"
      image = "nginx:1.27"
      resources { # want "TFR-K8S-009: container "app" of kubernetes_pod.legacy has no cpu limit" @53:7-53:16
        limits {
          memory = "128Mi"
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
      containers = [
        { name = "a", image = "nginx:1.27" }, # want "TFR-K8S-009: container "a" of kubernetes_manifest.pod has no cpu and memory limits" @69:9-69:45
      ]
    }
  }
}
