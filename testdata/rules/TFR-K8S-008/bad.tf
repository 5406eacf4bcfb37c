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
        container { # want "TFR-K8S-008: container "app" of kubernetes_deployment_v1.web does not set read_only_root_filesystem = true" @14:9-14:18
          name  = "app"
          image = "nginx:1.27"
          port {
            container_port = 8080
          }
        }
        container {
          name  = "sidecar"
          image = "envoyproxy/envoy:v1.31.0"
          security_context {
            read_only_root_filesystem = false # want "TFR-K8S-008: container "sidecar" of kubernetes_deployment_v1.web has a writable root file system" @25:41-25:46
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
      containers = [{ name = "a", image = "nginx:1.27", securityContext = { readOnlyRootFilesystem = false } }] # want "TFR-K8S-008: container "a" of kubernetes_manifest.pod has a writable root file system" @39:102-39:107
    }
  }
}
