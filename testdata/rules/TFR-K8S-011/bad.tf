resource "kubernetes_service_account_v1" "api" {
  metadata {
    name = "api"
  }
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
      spec { # want "TFR-K8S-011: kubernetes_deployment_v1.web mounts a service account token by default \(automount_service_account_token is not false\)" @19:7-19:11
        container {
          name  = "app"
          image = "nginx:1.27"
        }
      }
    }
  }
}

resource "kubernetes_pod_v1" "tool" {
  metadata {
    name = "tool"
  }
  spec {
    service_account_name            = "api"
    automount_service_account_token = true # want "TFR-K8S-011: kubernetes_pod_v1.tool sets automount_service_account_token = true" @35:39-35:43
    container {
      name  = "tool"
      image = "busybox:1.36"
    }
  }
}

resource "kubernetes_manifest" "job" {
  manifest = {
    apiVersion = "batch/v1"
    kind       = "Job"
    metadata   = { name = "j", namespace = "default" }
    spec = {
      template = {
        spec = { # want "TFR-K8S-011: kubernetes_manifest.job mounts a service account token by default \(automount_service_account_token is not false\)" @50:16-53:10
          restartPolicy = "Never"
          containers    = [{ name = "a", image = "busybox:1.36" }]
        }
      }
    }
  }
}
