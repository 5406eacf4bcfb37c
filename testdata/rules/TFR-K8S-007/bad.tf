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
        container { # want "TFR-K8S-007: container "app" of kubernetes_deployment_v1.web keeps the runtime's default capabilities \(no drop = \["ALL"\]\)" @14:9-14:18
          name  = "app"
          image = "nginx:1.27"
        }
        container {
          name  = "sidecar"
          image = "envoyproxy/envoy:v1.31.0"
          security_context {
            capabilities { # want "TFR-K8S-007: container "sidecar" of kubernetes_deployment_v1.web keeps the runtime's default capabilities \(no drop = \["ALL"\]\)" @22:13-22:25
              add = ["NET_BIND_SERVICE"]
            }
          }
        }
        init_container {
          name  = "setup"
          image = "busybox:1.36"
          security_context {
            capabilities {
              drop = ["NET_RAW"] # want "TFR-K8S-007: init container "setup" of kubernetes_deployment_v1.web does not drop "ALL" capabilities" @32:22-32:33
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
      containers = [{
        name            = "a"
        image           = "nginx:1.27"
        securityContext = { capabilities = { drop = ["NET_RAW"] } } # want "TFR-K8S-007: container "a" of kubernetes_manifest.pod does not drop "ALL" capabilities" @50:53-50:64
      }]
    }
  }
}
