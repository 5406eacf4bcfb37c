resource "kubernetes_daemon_set_v1" "ingress" {
  metadata {
    name = "ingress"
  }
  spec {
    selector {
      match_labels = { app = "ingress" }
    }
    template {
      metadata {
        labels = { app = "ingress" }
      }
      spec {
        container {
          name  = "controller"
          image = "ingress-nginx/controller:v1.11.2"
          port {
            container_port = 80
            host_port      = 80 # want "TFR-K8S-012: container "controller" of kubernetes_daemon_set_v1.ingress binds host port 80" @19:30-19:32
          }
          port {
            container_port = 443
            host_port      = 443 # want "TFR-K8S-012: container "controller" of kubernetes_daemon_set_v1.ingress binds host port 443" @23:30-23:33
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
        name  = "a"
        image = "nginx:1.27"
        ports = [{ containerPort = 8080, hostPort = 8080 }] # want "TFR-K8S-012: container "a" of kubernetes_manifest.pod binds host port 8080" @40:53-40:57
      }]
    }
  }
}
