resource "kubernetes_cluster_role_v1" "ops" {
  metadata {
    name = "ops"
  }
  rule {
    api_groups = ["*"]
    resources  = ["*"]             # want "TFR-K8S-015: kubernetes_cluster_role_v1.ops grants resource "\*"" @7:18-7:23
    verbs      = ["get", "list"]
  }
  rule {
    api_groups = [""]
    resources  = ["secrets"]
    verbs      = ["*"] # want "TFR-K8S-015: kubernetes_cluster_role_v1.ops grants verb "\*"" @13:18-13:23
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
    verbs      = ["*"] # want "TFR-K8S-015: kubernetes_role.team grants verb "\*"" @25:18-25:23
  }
}

resource "kubernetes_manifest" "role" {
  manifest = {
    apiVersion = "rbac.authorization.k8s.io/v1"
    kind       = "ClusterRole"
    metadata   = { name = "everything" }
    rules = [
      { apiGroups = [""], resources = ["pods"], verbs = ["*"] }, # want "TFR-K8S-015: kubernetes_manifest.role grants verb "\*"" @35:57-35:62
    ]
  }
}
