resource "kubernetes_deployment" "web" {
  metadata {
    name      = "web"
    namespace = "web"
  }
  spec {
    replicas = 1
    selector {
      match_labels = {
        app = "web"
      }
    }
    template {
      metadata {
        labels = {
          app = "web"
        }
      }
      spec {
        host_network = true
        container {
          name  = "web"
          image = "nginx:1.25.3"
          security_context {
            privileged = true
          }
        }
      }
    }
  }
}

resource "kubernetes_cluster_role_v1" "everything" {
  metadata {
    name = "everything"
  }
  rule {
    api_groups = ["*"]
    resources  = ["*"]
    verbs      = ["*"]
  }
}

resource "kubernetes_manifest" "debug" {
  manifest = {
    apiVersion = "v1"
    kind       = "Pod"
    metadata = {
      name      = "debug"
      namespace = "web"
    }
    spec = {
      hostPID = true
      containers = [{
        name  = "shell"
        image = "busybox:1.36"
      }]
    }
  }
}
