terraform {
  required_providers {
    helm = {
      source  = "hashicorp/helm"
      version = "~> 2.17"
    }
  }
}

# The chart as it is: its defaults pass the checks.
resource "helm_release" "plain" {
  name      = "plain"
  chart     = "./charts/app"
  namespace = "web"
}

# One set block makes the container privileged.
resource "helm_release" "privileged" {
  name      = "privileged"
  chart     = "./charts/app"
  namespace = "web"

  set {
    name  = "securityContext.privileged"
    value = "true"
  }
}

# Values in YAML put the pod on the host network and drop the limits.
resource "helm_release" "hostnet" {
  name      = "hostnet"
  chart     = "${path.module}/charts/app"
  namespace = "web"
  values = [yamlencode({
    hostNetwork = true
    resources   = { limits = null }
  })]
}

# A chart from a repository is not downloaded: a note, no findings.
resource "helm_release" "ingress" {
  name       = "ingress-nginx"
  repository = "https://kubernetes.github.io/ingress-nginx"
  chart      = "ingress-nginx"
  namespace  = "ingress"
}

# A path out of the scanned tree is never read: a note.
resource "helm_release" "outside" {
  name  = "outside"
  chart = "../../../etc"
}
