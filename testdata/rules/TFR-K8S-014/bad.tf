resource "kubernetes_cluster_role_binding_v1" "ci" {
  metadata {
    name = "ci-admin"
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = "cluster-admin" # want "TFR-K8S-014: kubernetes_cluster_role_binding_v1.ci binds the cluster-admin role" @8:17-8:32
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
    name      = "cluster-admin" # want "TFR-K8S-014: kubernetes_role_binding.ns_admin binds the cluster-admin role" @25:17-25:32
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
    roleRef    = { apiGroup = "rbac.authorization.k8s.io", kind = "ClusterRole", name = "cluster-admin" } # want "TFR-K8S-014: kubernetes_manifest.binding binds the cluster-admin role" @38:89-38:104
    subjects   = [{ kind = "Group", name = "ops", apiGroup = "rbac.authorization.k8s.io" }]
  }
}
