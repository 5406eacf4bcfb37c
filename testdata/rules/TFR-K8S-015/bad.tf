resource "kubernetes_cluster_role_v1" "ops" {
  metadata {
    name = "ops"
  }
  rule {
    api_groups = ["*"]
    resources  = ["*"]             # want "TFR-K8S-015"
    verbs      = ["get", "list"]
  }
  rule {
    api_groups = [""]
    resources  = ["secrets"]
    verbs      = ["*"] # want "TFR-K8S-015"
  }
}

resource "kubernetes_role" "team" {
  metadata {
    name      = "team"
    namespace = "team"
  }
  rule {
    api_groups = ["apps"]
    resources  = ["deployments"]
    verbs      = ["*"] # want "TFR-K8S-015"
  }
}

resource "kubernetes_manifest" "role" {
  manifest = {
    apiVersion = "rbac.authorization.k8s.io/v1"
    kind       = "ClusterRole"
    metadata   = { name = "everything" }
    rules = [
      { apiGroups = [""], resources = ["pods"], verbs = ["*"] }, # want "TFR-K8S-015"
    ]
  }
}
