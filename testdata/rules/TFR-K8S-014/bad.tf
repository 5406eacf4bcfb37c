resource "kubernetes_cluster_role_binding_v1" "ci" {
  metadata {
    name = "ci-admin"
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = "cluster-admin" # want "TFR-K8S-014"
  }
  subject {
    kind      = "ServiceAccount"
    name      = "ci"
    namespace = "ci"
  }
}

resource "kubernetes_role_binding" "ns_admin" {
  metadata {
    name      = "ns-admin"
    namespace = "team"
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = "cluster-admin" # want "TFR-K8S-014"
  }
  subject {
    kind = "Group"
    name = "team"
  }
}

resource "kubernetes_manifest" "binding" {
  manifest = {
    apiVersion = "rbac.authorization.k8s.io/v1"
    kind       = "ClusterRoleBinding"
    metadata   = { name = "ops" }
    roleRef    = { apiGroup = "rbac.authorization.k8s.io", kind = "ClusterRole", name = "cluster-admin" } # want "TFR-K8S-014"
    subjects   = [{ kind = "Group", name = "ops", apiGroup = "rbac.authorization.k8s.io" }]
  }
}
