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
