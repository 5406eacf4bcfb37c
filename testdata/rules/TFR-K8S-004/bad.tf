resource "kubernetes_daemonset" "node_exporter" {
  metadata {
    name = "node-exporter"
  }
  spec {
    selector {
      match_labels = { app = "node-exporter" }
    }
    template {
      metadata {
        labels = { app = "node-exporter" }
      }
      spec {
        host_network = true # want "TFR-K8S-004: kubernetes_daemonset.node_exporter sets host_network = true" @14:24-14:28
        host_pid     = true # want "TFR-K8S-004: kubernetes_daemonset.node_exporter sets host_pid = true" @15:24-15:28
        container {
          name  = "exporter"
          image = "prom/node-exporter:v1.8.2"
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
    host_ipc = true # want "TFR-K8S-004: kubernetes_pod_v1.debug sets host_ipc = true" @30:16-30:20
    container {
      name  = "debug"
      image = "busybox:1.36"
    }
  }
}

resource "kubernetes_manifest" "pod" {
  manifest = {
    apiVersion = "v1"
    kind       = "Pod"
    metadata   = { name = "p", namespace = "default" }
    spec = {
      hostPID    = true # want "TFR-K8S-004: kubernetes_manifest.pod sets host_pid = true" @44:20-44:24
      containers = [{ name = "a", image = "nginx:1.27" }]
    }
  }
}
