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
          image = "nginx" # want "TFR-K8S-010"
        }
        container {
          name  = "sidecar"
          image = "registry.example.com:5000/team/envoy:latest" # want "TFR-K8S-010"
        }
        init_container {
          name  = "setup"
          image = "busybox:1.36" # want "TFR-K8S-010"
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
      containers = [{ name = "a", image = "registry.example.com:5000/app" }] # want "TFR-K8S-010"
    }
  }
}
