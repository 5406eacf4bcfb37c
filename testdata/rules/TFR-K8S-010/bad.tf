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
          image = "nginx" # want "TFR-K8S-010: container "app" of kubernetes_deployment_v1.web uses image "nginx" with no tag, which means :latest" @16:19-16:26
        }
        container {
          name  = "sidecar"
          image = "registry.example.com:5000/team/envoy:latest" # want "TFR-K8S-010: container "sidecar" of kubernetes_deployment_v1.web uses image "registry.example.com:5000/team/envoy:latest" with the mutable tag :latest" @20:19-20:64
        }
        init_container {
          name  = "setup"
          image = "busybox:1.36" # want "TFR-K8S-010: init container "setup" of kubernetes_deployment_v1.web uses image "busybox:1.36" without a digest \(require_image_digest is on\)" @24:19-24:33
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
      containers = [{ name = "a", image = "registry.example.com:5000/app" }] # want "TFR-K8S-010: container "a" of kubernetes_manifest.pod uses image "registry.example.com:5000/app" with no tag, which means :latest" @37:43-37:74
    }
  }
}
