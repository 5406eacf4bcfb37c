resource "kubernetes_daemon_set_v1" "logs" {
  metadata {
    name = "logs"
  }
  spec {
    selector {
      match_labels = { app = "logs" }
    }
    template {
      metadata {
        labels = { app = "logs" }
      }
      spec {
        container {
          name  = "shipper"
          image = "fluent/fluent-bit:3.1.9"
        }
        volume {
          name = "varlog"
          host_path { # want "TFR-K8S-005: volume "varlog" of kubernetes_daemon_set_v1.logs mounts the host path "/var/log"" @20:11-20:20
            path = "/var/log"
          }
        }
        volume {
          name = "docker"
          host_path { # want "TFR-K8S-005: volume "docker" of kubernetes_daemon_set_v1.logs mounts the host path "/var/run/docker.sock"" @26:11-26:20
            path = "/var/run/docker.sock"
            type = "Socket"
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
      containers = [{ name = "a", image = "nginx:1.27" }]
      volumes = [
        { name = "root", hostPath = { path = "/" } }, # want "TFR-K8S-005: volume "root" of kubernetes_manifest.pod mounts the host path "/"" @44:37-44:51
      ]
    }
  }
}
