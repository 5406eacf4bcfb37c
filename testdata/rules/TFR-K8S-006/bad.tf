resource "kubernetes_deployment_v1" "vpn" {
  metadata {
    name = "vpn"
  }
  spec {
    selector {
      match_labels = { app = "vpn" }
    }
    template {
      metadata {
        labels = { app = "vpn" }
      }
      spec {
        container {
          name  = "vpn"
          image = "wireguard:1.0.2"
          security_context {
            capabilities {
              add = ["NET_ADMIN", "SYS_MODULE"] # want "TFR-K8S-006: container "vpn" of kubernetes_deployment_v1.vpn adds capabilities NET_ADMIN, SYS_MODULE" @19:21-19:48
            }
          }
        }
        init_container {
          name  = "sysctl"
          image = "busybox:1.36"
          security_context {
            capabilities {
              add  = ["CAP_SYS_ADMIN", "CHOWN"] # want "TFR-K8S-006: init container "sysctl" of kubernetes_deployment_v1.vpn adds capabilities SYS_ADMIN" @28:22-28:48
              drop = ["ALL"]
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
        securityContext = { capabilities = { add = ["NET_RAW"] } } # want "TFR-K8S-006: container "a" of kubernetes_manifest.pod adds capabilities NET_RAW" @47:52-47:63
      }]
    }
  }
}
