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
      spec { # want "TFR-K8S-013: kubernetes_deployment_v1.web sets no seccomp profile, so the runtime's default applies \(often unconfined\)" @13:7-13:11
        container {
          name  = "app"
          image = "nginx:1.27"
        }
      }
    }
  }
}

resource "kubernetes_pod_v1" "debug" {
  metadata {
    name = "debug"
  }
  spec {
    security_context {
      run_as_non_root = true
      seccomp_profile {
        type = "Unconfined" # want "TFR-K8S-013: kubernetes_pod_v1.debug sets the pod's seccomp profile to Unconfined" @31:16-31:28
      }
    }
    container {
      name  = "debug"
      image = "busybox:1.36"
    }
  }
}

resource "kubernetes_stateful_set_v1" "db" {
  metadata {
    name = "db"
  }
  spec {
    service_name = "db"
    selector {
      match_labels = { app = "db" }
    }
    template {
      metadata {
        labels = { app = "db" }
      }
      spec {
        security_context { # want "TFR-K8S-013: kubernetes_stateful_set_v1.db sets no seccomp profile, so the runtime's default applies \(often unconfined\)" @55:9-55:25
          fs_group = 999
        }
        container {
          name  = "db"
          image = "postgres:16.4"
          security_context {
            seccomp_profile {
              type = "Unconfined" # want "TFR-K8S-013: container "db" of kubernetes_stateful_set_v1.db sets its seccomp profile to Unconfined" @63:22-63:34
            }
          }
        }
        container {
          name  = "exporter"
          image = "prometheuscommunity/postgres-exporter:v0.15.0"
        }
      }
    }
  }
}
