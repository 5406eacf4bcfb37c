package main

import (
	"fmt"
	"strings"
)

// The eks-shaped corpus stands for terraform-aws-eks: one large reusable
// module at the top of the repository (the cluster, its IAM, KMS and
// security groups, and for_each calls of node-group submodules), six local
// submodules (managed and self-managed node groups with launch templates,
// Fargate profiles, Karpenter, a hybrid-node role, user data), and a few
// root modules under examples/ and tests/ that call the top module with
// maps of node groups. Nearly every attribute goes through locals, try()
// and for_each, blocks are dynamic, IAM policies are policy documents, and
// examples carry Kubernetes YAML manifests. Every root evaluates the whole
// module tree, so per root it is the heaviest corpus.

// eksRoots are the root modules: no other directory calls them.
var eksRoots = []string{
	"examples/eks-managed-node-group",
	"examples/self-managed-node-group",
	"examples/karpenter",
	"examples/fargate-profile",
	"examples/eks-hybrid-nodes",
	"examples/outposts",
	"tests/eks-managed-node-group",
	"tests/self-managed-node-group",
	"tests/fargate-profile",
	"tests/user-data",
}

func (g *generator) eks() {
	g.files["versions.tf"] = eksVersions
	g.files["variables.tf"] = eksTopVariables()
	g.files["main.tf"] = eksTopMain
	g.files["node_groups.tf"] = eksNodeGroups
	g.files["outputs.tf"] = eksTopOutputs
	g.files[".pre-commit-config.yaml"] = "repos:\n  - repo: https://github.com/antonbabenko/pre-commit-terraform\n    rev: v1.96.1\n    hooks:\n      - id: terraform_fmt\n      - id: terraform_docs\n"
	for name, body := range eksSubmodules {
		g.files["modules/"+name+"/main.tf"] = body
		g.files["modules/"+name+"/versions.tf"] = eksVersions
	}
	g.files["modules/_user_data/variables.tf"] = eksUserDataVariables
	for _, m := range []string{"eks-managed-node-group", "self-managed-node-group"} {
		g.files["modules/"+m+"/variables.tf"] = eksNodeGroupVariables
	}
	for i, root := range eksRoots {
		g.eksRoot(root, i)
	}
}

func (g *generator) eksRoot(dir string, index int) {
	name := strings.ReplaceAll(dir[strings.Index(dir, "/")+1:], "-", "")
	var b strings.Builder
	fmt.Fprintf(&b, `provider "aws" {
  region = local.region
}

data "aws_availability_zones" "available" {
  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

locals {
  name   = "ex-%s"
  region = "eu-west-1"

  vpc_cidr = "10.%d.0.0/16"
  azs      = slice(data.aws_availability_zones.available.names, 0, 3)

  tags = {
    Example    = local.name
    GithubRepo = "terraform-aws-eks"
  }
}

module "eks" {
  source = "../.."

  cluster_name                         = local.name
  cluster_version                      = "1.%d"
  cluster_endpoint_public_access       = %s
  cluster_endpoint_public_access_cidrs = %s
  cluster_enabled_log_types            = %s
  create_kms_key                       = %s
  enable_kms_key_rotation              = %s
  cluster_encryption_config            = %s

  vpc_id                   = module.vpc.vpc_id
  subnet_ids               = module.vpc.private_subnets
  control_plane_subnet_ids = module.vpc.intra_subnets

  cluster_addons = {
    coredns                = {}
    eks-pod-identity-agent = { before_compute = true }
    kube-proxy             = {}
    vpc-cni                = { before_compute = true, most_recent = true }
  }

  cluster_security_group_additional_rules = {
    ingress_admin = {
      description = "Administrators"
      protocol    = "tcp"
      from_port   = 443
      to_port     = 443
      type        = "ingress"
      cidr_blocks = %s
    }
  }

  node_security_group_additional_rules = {
    ingress_self_all = {
      description = "Node to node all ports/protocols"
      protocol    = "-1"
      from_port   = 0
      to_port     = 0
      type        = "ingress"
      self        = true
    }
    egress_all = {
      description      = "Node all egress"
      protocol         = "-1"
      from_port        = 0
      to_port          = 0
      type             = "egress"
      cidr_blocks      = ["0.0.0.0/0"]
      ipv6_cidr_blocks = ["::/0"]
    }
  }

  access_entries = {
%s  }

  eks_managed_node_group_defaults = {
    ami_type       = "AL2023_x86_64_STANDARD"
    instance_types = ["m6i.large", "m5.large"]
    metadata_options = {
      http_endpoint               = "enabled"
      http_tokens                 = %q
      http_put_response_hop_limit = 2
    }
  }

  eks_managed_node_groups = {
%s  }

  self_managed_node_groups = {
%s  }

  fargate_profiles = {
%s  }

  tags = local.tags
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.0"

  name = local.name
  cidr = local.vpc_cidr

  azs             = local.azs
  private_subnets = [for k, v in local.azs : cidrsubnet(local.vpc_cidr, 4, k)]
  public_subnets  = [for k, v in local.azs : cidrsubnet(local.vpc_cidr, 8, k + 48)]
  intra_subnets   = [for k, v in local.azs : cidrsubnet(local.vpc_cidr, 8, k + 52)]

  enable_nat_gateway = true
  single_nat_gateway = true

  public_subnet_tags  = { "kubernetes.io/role/elb" = 1 }
  private_subnet_tags = { "kubernetes.io/role/internal-elb" = 1 }

  tags = local.tags
}
`, name, 10+index, 28+index%4, g.boolLit(0.6), g.pick(`["0.0.0.0/0"]`, `["10.0.0.0/8"]`),
		g.pick(`[]`, `["audit", "api", "authenticator"]`), g.boolLit(0.7), g.boolLit(0.6),
		g.pick(`{}`, `{ resources = ["secrets"] }`), g.pick(`["0.0.0.0/0"]`, `["10.0.0.0/8", "172.16.0.0/12"]`),
		g.eksAccessEntries(), g.pick("required", "optional"),
		g.eksManagedGroups(), g.eksSelfManagedGroups(), g.eksFargateProfiles())
	if strings.Contains(dir, "karpenter") || strings.Contains(dir, "hybrid") {
		fmt.Fprintf(&b, `
module "karpenter" {
  source = "../../modules/karpenter"

  cluster_name          = module.eks.cluster_name
  enable_v1_permissions = true
  enable_spot_termination = %s

  node_iam_role_additional_policies = {
    AmazonSSMManagedInstanceCore = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
  }

  tags = local.tags
}
`, g.boolLit(0.5))
	}
	if strings.Contains(dir, "hybrid") || strings.Contains(dir, "user-data") {
		b.WriteString(`
module "eks_hybrid_node_role" {
  source = "../../modules/hybrid-node-role"

  name = "${local.name}-hybrid"
  policy_statements = [
    {
      actions   = ["s3:Get*", "s3:List*"]
      resources = ["*"]
    },
  ]
  tags = local.tags
}
`)
	}
	// Resources of the example itself, written out plainly.
	fmt.Fprintf(&b, `
resource "aws_security_group" "remote_access" {
  name_prefix = "${local.name}-remote-access"
  description = "Allow remote SSH access"
  vpc_id      = module.vpc.vpc_id

  ingress {
    description = "SSH access"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = %s
  }

  egress {
    from_port        = 0
    to_port          = 0
    protocol         = "-1"
    cidr_blocks      = ["0.0.0.0/0"]
    ipv6_cidr_blocks = ["::/0"]
  }

  tags = merge(local.tags, { Name = "${local.name}-remote" })
}

resource "aws_iam_policy" "node_additional" {
  name        = "${local.name}-additional"
  description = "Example usage of node additional policy"
  policy      = data.aws_iam_policy_document.node_additional.json
}

data "aws_iam_policy_document" "node_additional" {
  statement {
    sid       = "Describe"
    actions   = ["ec2:Describe*"]
    resources = ["*"]
  }
  statement {
    sid       = "Logs"
    actions   = %s
    resources = [%s]
  }
}

resource "aws_kms_key" "ebs" {
  description             = "Customer managed key to encrypt EKS managed node group volumes"
  deletion_window_in_days = 7
  enable_key_rotation     = %s
  policy                  = data.aws_iam_policy_document.ebs.json
}

data "aws_iam_policy_document" "ebs" {
  statement {
    sid       = "Enable IAM User Permissions"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:root"]
    }
  }
  statement {
    sid = "Allow service-linked role use of the customer managed key"
    actions = [
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:DescribeKey",
    ]
    resources = ["*"]
    principals {
      type = "AWS"
      identifiers = [
        "arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
        module.eks.cluster_iam_role_arn,
      ]
    }
  }
}
`, g.pick(`["10.0.0.0/8"]`, `["0.0.0.0/0"]`), g.pick(`["logs:*"]`, `["logs:CreateLogStream", "logs:PutLogEvents"]`),
		g.pick(`"*"`, `"arn:aws:logs:eu-west-1:111122223333:log-group:/aws/eks/*"`), g.boolLit(0.6))
	g.files[dir+"/main.tf"] = b.String()
	g.files[dir+"/versions.tf"] = eksVersions
	g.files[dir+"/outputs.tf"] = `output "cluster_arn" {
  description = "The Amazon Resource Name (ARN) of the cluster"
  value       = module.eks.cluster_arn
}

output "cluster_endpoint" {
  description = "Endpoint for your Kubernetes API server"
  value       = module.eks.cluster_endpoint
}

output "eks_managed_node_groups" {
  description = "Map of attribute maps for all EKS managed node groups created"
  value       = module.eks.eks_managed_node_groups
}

output "cluster_security_group_id" {
  description = "Cluster security group that was created by Amazon EKS for the cluster"
  value       = module.eks.cluster_security_group_id
}
`
	if strings.HasPrefix(dir, "examples/") {
		g.eksManifests(dir)
	}
}

func (g *generator) eksAccessEntries() string {
	var b strings.Builder
	for i, who := range []string{"admin", "readonly", "ci"}[:1+g.rnd.IntN(3)] {
		policy := g.pick("AmazonEKSClusterAdminPolicy", "AmazonEKSViewPolicy", "AmazonEKSEditPolicy")
		scope := g.pick(`{ type = "cluster" }`, `{ type = "namespace", namespaces = ["default", "apps"] }`)
		fmt.Fprintf(&b, `    %s = {
      principal_arn = "arn:aws:iam::111122223333:role/%s-%d"
      policy_associations = {
        main = {
          policy_arn   = "arn:aws:eks::aws:cluster-access-policy/%s"
          access_scope = %s
        }
      }
    }
`, who, who, i, policy, scope)
	}
	return b.String()
}

func (g *generator) eksManagedGroups() string {
	var b strings.Builder
	for _, n := range []string{"default", "bottlerocket", "gpu", "spot", "custom_ami"}[:2+g.rnd.IntN(4)] {
		fmt.Fprintf(&b, `    %s = {
      ami_type       = %q
      instance_types = [%q]
      capacity_type  = %q
      min_size       = 1
      max_size       = %d
      desired_size   = 2

      labels = { workload = %q }
      taints = {
        dedicated = {
          key    = "dedicated"
          value  = %q
          effect = "NO_SCHEDULE"
        }
      }
      update_config = { max_unavailable_percentage = 33 }

      block_device_mappings = {
        xvda = {
          device_name = "/dev/xvda"
          ebs = {
            volume_size           = %d
            volume_type           = "gp3"
            encrypted             = %s
            delete_on_termination = true
          }
        }
      }
      metadata_options = {
        http_endpoint               = "enabled"
        http_tokens                 = %q
        http_put_response_hop_limit = %d
      }
      iam_role_additional_policies = {
        AmazonSSMManagedInstanceCore = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
      }
    }
`, n, g.pick("AL2023_x86_64_STANDARD", "BOTTLEROCKET_x86_64", "AL2_x86_64_GPU"), g.pick("m6i.large", "c6i.xlarge", "g5.xlarge"),
			g.pick("ON_DEMAND", "SPOT"), 3+g.rnd.IntN(8), n, n, 50+25*g.rnd.IntN(4), g.boolLit(0.6),
			g.pick("required", "optional"), 1+g.rnd.IntN(2))
	}
	return b.String()
}

func (g *generator) eksSelfManagedGroups() string {
	var b strings.Builder
	for _, n := range []string{"mixed", "on_demand", "windows"}[:g.rnd.IntN(3)] {
		fmt.Fprintf(&b, `    %s = {
      ami_type      = "AL2023_x86_64_STANDARD"
      instance_type = %q
      min_size      = 1
      max_size      = 5
      desired_size  = 2

      use_mixed_instances_policy = %s
      mixed_instances_policy = {
        instances_distribution = {
          on_demand_base_capacity                  = 0
          on_demand_percentage_above_base_capacity = 20
          spot_allocation_strategy                 = "capacity-optimized"
        }
        override = [
          { instance_type = "m5.large", weighted_capacity = "1" },
          { instance_type = "m6i.large", weighted_capacity = "2" },
        ]
      }
      block_device_mappings = {
        xvda = {
          device_name = "/dev/xvda"
          ebs = {
            volume_size = 100
            volume_type = "gp3"
            encrypted   = %s
          }
        }
      }
      metadata_options = {
        http_endpoint = "enabled"
        http_tokens   = %q
      }
      associate_public_ip_address = %s
    }
`, n, g.pick("m6i.large", "t3.large"), g.boolLit(0.5), g.boolLit(0.6), g.pick("required", "optional"), g.boolLit(0.3))
	}
	return b.String()
}

func (g *generator) eksFargateProfiles() string {
	var b strings.Builder
	for _, n := range []string{"kube_system", "apps", "batch"}[:g.rnd.IntN(4)%3] {
		fmt.Fprintf(&b, `    %s = {
      name = %q
      selectors = [
        { namespace = %q, labels = { fargate = "true" } },
        { namespace = "default" },
      ]
      timeouts = { create = "20m", delete = "20m" }
    }
`, n, strings.ReplaceAll(n, "_", "-"), strings.ReplaceAll(n, "_", "-"))
	}
	return b.String()
}

// eksManifests writes the Kubernetes manifests an example applies after
// the cluster is up: workloads and RBAC, secure or not.
func (g *generator) eksManifests(dir string) {
	g.files[dir+"/inflate.yaml"] = fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: inflate
  namespace: default
spec:
  replicas: 0
  selector:
    matchLabels:
      app: inflate
  template:
    metadata:
      labels:
        app: inflate
    spec:
      terminationGracePeriodSeconds: 0
      containers:
        - name: inflate
          image: public.ecr.aws/eks-distro/kubernetes/pause:3.7
          resources:
            requests:
              cpu: 1
          securityContext:
            allowPrivilegeEscalation: %s
            readOnlyRootFilesystem: %s
`, g.boolLit(0.5), g.boolLit(0.5))
	for i := 0; i < 2+g.rnd.IntN(2); i++ {
		priv := g.boolLit(0.3)
		g.files[fmt.Sprintf("%s/manifests/daemonset-%d.yaml", dir, i)] = fmt.Sprintf(`apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent-%d
  namespace: kube-system
spec:
  selector:
    matchLabels:
      app: node-agent-%d
  template:
    metadata:
      labels:
        app: node-agent-%d
    spec:
      hostNetwork: %s
      hostPID: %s
      serviceAccountName: node-agent
      containers:
        - name: agent
          image: %s
          securityContext:
            privileged: %s
            runAsNonRoot: %s
            capabilities:
              drop: ["ALL"]
          resources:
            limits:
              cpu: 200m
              memory: 256Mi
          volumeMounts:
            - name: host-root
              mountPath: /host
              readOnly: true
      volumes:
        - name: host-root
          hostPath:
            path: /
`, i, i, i, g.boolLit(0.5), g.boolLit(0.3), g.pick("docker.io/example/agent:latest", "public.ecr.aws/example/agent@sha256:4f1c3b7b1e6f2c0d8a9e5b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e"),
			priv, g.boolLit(0.6))
	}
	g.files[dir+"/manifests/rbac.yaml"] = fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: node-agent
rules:
  - apiGroups: [""]
    resources: [%s]
    verbs: [%s]
`, g.pick(`"pods", "nodes"`, `"*"`), g.pick(`"get", "list", "watch"`, `"*"`))
}

const eksVersions = `terraform {
  required_version = ">= 1.3.2"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.95, < 6.0.0"
    }
    tls = {
      source  = "hashicorp/tls"
      version = ">= 3.0"
    }
  }
}
`

// eksTopVariables writes the top module's inputs: many, each with a
// default, as the real module has (about 150).
func eksTopVariables() string {
	vars := [][3]string{
		{"create", "bool", "true"},
		{"tags", "map(string)", "{}"},
		{"prefix_separator", "string", `"-"`},
		{"cluster_name", "string", `""`},
		{"cluster_version", "string", "null"},
		{"cluster_enabled_log_types", "list(string)", `["audit", "api", "authenticator"]`},
		{"authentication_mode", "string", `"API_AND_CONFIG_MAP"`},
		{"cluster_additional_security_group_ids", "list(string)", "[]"},
		{"control_plane_subnet_ids", "list(string)", "[]"},
		{"subnet_ids", "list(string)", "[]"},
		{"vpc_id", "string", "null"},
		{"cluster_endpoint_private_access", "bool", "true"},
		{"cluster_endpoint_public_access", "bool", "false"},
		{"cluster_endpoint_public_access_cidrs", "list(string)", `["0.0.0.0/0"]`},
		{"cluster_ip_family", "string", `"ipv4"`},
		{"cluster_service_ipv4_cidr", "string", "null"},
		{"outpost_config", "any", "{}"},
		{"cluster_encryption_config", "any", `{ resources = ["secrets"] }`},
		{"attach_cluster_encryption_policy", "bool", "true"},
		{"cluster_tags", "map(string)", "{}"},
		{"create_cluster_primary_security_group_tags", "bool", "true"},
		{"cluster_timeouts", "map(string)", "{}"},
		{"access_entries", "any", "{}"},
		{"enable_cluster_creator_admin_permissions", "bool", "false"},
		{"create_kms_key", "bool", "true"},
		{"kms_key_description", "string", "null"},
		{"kms_key_deletion_window_in_days", "number", "null"},
		{"enable_kms_key_rotation", "bool", "true"},
		{"kms_key_administrators", "list(string)", "[]"},
		{"kms_key_users", "list(string)", "[]"},
		{"kms_key_aliases", "list(string)", "[]"},
		{"create_cloudwatch_log_group", "bool", "true"},
		{"cloudwatch_log_group_retention_in_days", "number", "90"},
		{"cloudwatch_log_group_kms_key_id", "string", "null"},
		{"cloudwatch_log_group_class", "string", "null"},
		{"create_cluster_security_group", "bool", "true"},
		{"cluster_security_group_id", "string", `""`},
		{"cluster_security_group_name", "string", "null"},
		{"cluster_security_group_use_name_prefix", "bool", "true"},
		{"cluster_security_group_description", "string", `"EKS cluster security group"`},
		{"cluster_security_group_additional_rules", "any", "{}"},
		{"cluster_security_group_tags", "map(string)", "{}"},
		{"create_node_security_group", "bool", "true"},
		{"node_security_group_id", "string", `""`},
		{"node_security_group_name", "string", "null"},
		{"node_security_group_description", "string", `"EKS node shared security group"`},
		{"node_security_group_additional_rules", "any", "{}"},
		{"node_security_group_enable_recommended_rules", "bool", "true"},
		{"node_security_group_tags", "map(string)", "{}"},
		{"enable_irsa", "bool", "true"},
		{"openid_connect_audiences", "list(string)", "[]"},
		{"include_oidc_root_ca_thumbprint", "bool", "true"},
		{"custom_oidc_thumbprints", "list(string)", "[]"},
		{"create_iam_role", "bool", "true"},
		{"iam_role_arn", "string", "null"},
		{"iam_role_name", "string", "null"},
		{"iam_role_use_name_prefix", "bool", "true"},
		{"iam_role_path", "string", "null"},
		{"iam_role_permissions_boundary", "string", "null"},
		{"iam_role_additional_policies", "map(string)", "{}"},
		{"iam_role_tags", "map(string)", "{}"},
		{"cluster_encryption_policy_name", "string", "null"},
		{"cluster_addons", "any", "{}"},
		{"cluster_addons_timeouts", "map(string)", "{}"},
		{"cluster_identity_providers", "any", "{}"},
		{"fargate_profiles", "any", "{}"},
		{"fargate_profile_defaults", "any", "{}"},
		{"self_managed_node_groups", "any", "{}"},
		{"self_managed_node_group_defaults", "any", "{}"},
		{"eks_managed_node_groups", "any", "{}"},
		{"eks_managed_node_group_defaults", "any", "{}"},
		{"putin_khuylo", "bool", "true"},
	}
	var b strings.Builder
	for _, v := range vars {
		fmt.Fprintf(&b, "variable %q {\n  description = \"%s of the cluster module.\"\n  type        = %s\n  default     = %s\n}\n\n",
			v[0], strings.ReplaceAll(v[0], "_", " "), v[1], v[2])
	}
	return strings.TrimSuffix(b.String(), "\n")
}

const eksTopMain = `data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

data "aws_iam_session_context" "current" {
  arn = data.aws_caller_identity.current.arn
}

locals {
  create = var.create && var.putin_khuylo

  partition = data.aws_partition.current.partition

  cluster_role = try(aws_iam_role.this[0].arn, var.iam_role_arn)

  create_outposts_local_cluster    = length(var.outpost_config) > 0
  enable_cluster_encryption_config = length(var.cluster_encryption_config) > 0 && !local.create_outposts_local_cluster
}

resource "aws_eks_cluster" "this" {
  count = local.create ? 1 : 0

  name                          = var.cluster_name
  role_arn                      = local.cluster_role
  version                       = var.cluster_version
  enabled_cluster_log_types     = var.cluster_enabled_log_types
  bootstrap_self_managed_addons = true

  access_config {
    authentication_mode                         = var.authentication_mode
    bootstrap_cluster_creator_admin_permissions = false
  }

  vpc_config {
    security_group_ids      = compact(distinct(concat(var.cluster_additional_security_group_ids, [local.cluster_security_group_id])))
    subnet_ids              = coalescelist(var.control_plane_subnet_ids, var.subnet_ids)
    endpoint_private_access = var.cluster_endpoint_private_access
    endpoint_public_access  = var.cluster_endpoint_public_access
    public_access_cidrs     = var.cluster_endpoint_public_access_cidrs
  }

  dynamic "kubernetes_network_config" {
    for_each = local.create_outposts_local_cluster ? [] : [1]

    content {
      ip_family         = var.cluster_ip_family
      service_ipv4_cidr = var.cluster_service_ipv4_cidr
    }
  }

  dynamic "outpost_config" {
    for_each = local.create_outposts_local_cluster ? [var.outpost_config] : []

    content {
      control_plane_instance_type = outpost_config.value.control_plane_instance_type
      outpost_arns                = outpost_config.value.outpost_arns
    }
  }

  dynamic "encryption_config" {
    for_each = local.enable_cluster_encryption_config ? [var.cluster_encryption_config] : []

    content {
      provider {
        key_arn = var.create_kms_key ? aws_kms_key.this[0].arn : encryption_config.value.provider_key_arn
      }
      resources = encryption_config.value.resources
    }
  }

  tags = merge(var.tags, var.cluster_tags)

  timeouts {
    create = try(var.cluster_timeouts.create, null)
    update = try(var.cluster_timeouts.update, null)
    delete = try(var.cluster_timeouts.delete, null)
  }

  depends_on = [
    aws_iam_role_policy_attachment.this,
    aws_security_group_rule.cluster,
    aws_security_group_rule.node,
    aws_cloudwatch_log_group.this,
  ]
}

resource "aws_ec2_tag" "cluster_primary_security_group" {
  for_each = { for k, v in merge(var.tags, var.cluster_tags) :
    k => v if local.create && k != "Name" && var.create_cluster_primary_security_group_tags
  }

  resource_id = aws_eks_cluster.this[0].vpc_config[0].cluster_security_group_id
  key         = each.key
  value       = each.value
}

resource "aws_cloudwatch_log_group" "this" {
  count = local.create && var.create_cloudwatch_log_group ? 1 : 0

  name              = "/aws/eks/${var.cluster_name}/cluster"
  retention_in_days = var.cloudwatch_log_group_retention_in_days
  kms_key_id        = var.cloudwatch_log_group_kms_key_id
  log_group_class   = var.cloudwatch_log_group_class

  tags = merge(var.tags, { Name = "/aws/eks/${var.cluster_name}/cluster" })
}

locals {
  bootstrap_cluster_creator_admin_permissions = {
    cluster_creator = {
      principal_arn = data.aws_iam_session_context.current.issuer_arn
      type          = "STANDARD"

      policy_associations = {
        admin = {
          policy_arn = "arn:${local.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
          access_scope = {
            type = "cluster"
          }
        }
      }
    }
  }

  merged_access_entries = merge(
    { for k, v in local.bootstrap_cluster_creator_admin_permissions : k => v if var.enable_cluster_creator_admin_permissions },
    var.access_entries,
  )

  flattened_access_entries = flatten([
    for entry_key, entry_val in local.merged_access_entries : [
      for pol_key, pol_val in lookup(entry_val, "policy_associations", {}) :
      merge(
        {
          principal_arn = entry_val.principal_arn
          entry_key     = entry_key
          pol_key       = pol_key
        },
        { for k, v in {
          association_policy_arn              = pol_val.policy_arn
          association_access_scope_type       = pol_val.access_scope.type
          association_access_scope_namespaces = lookup(pol_val.access_scope, "namespaces", [])
        } : k => v if !contains(["EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "HYBRID_LINUX"], lookup(entry_val, "type", "STANDARD")) },
      )
    ]
  ])
}

resource "aws_eks_access_entry" "this" {
  for_each = { for k, v in local.merged_access_entries : k => v if local.create }

  cluster_name      = aws_eks_cluster.this[0].name
  kubernetes_groups = try(each.value.kubernetes_groups, null)
  principal_arn     = each.value.principal_arn
  type              = try(each.value.type, "STANDARD")
  user_name         = try(each.value.user_name, null)

  tags = merge(var.tags, try(each.value.tags, {}))
}

resource "aws_eks_access_policy_association" "this" {
  for_each = { for k, v in local.flattened_access_entries : "${v.entry_key}_${v.pol_key}" => v if local.create }

  access_scope {
    namespaces = try(each.value.association_access_scope_namespaces, [])
    type       = each.value.association_access_scope_type
  }

  cluster_name  = aws_eks_cluster.this[0].name
  policy_arn    = each.value.association_policy_arn
  principal_arn = each.value.principal_arn

  depends_on = [aws_eks_access_entry.this]
}

resource "aws_kms_key" "this" {
  count = local.create && var.create_kms_key && local.enable_cluster_encryption_config ? 1 : 0

  description             = coalesce(var.kms_key_description, "${var.cluster_name} cluster encryption key")
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  enable_key_rotation     = var.enable_kms_key_rotation
  policy                  = data.aws_iam_policy_document.kms[0].json

  tags = var.tags
}

data "aws_iam_policy_document" "kms" {
  count = local.create && var.create_kms_key ? 1 : 0

  statement {
    sid       = "Default"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  dynamic "statement" {
    for_each = length(var.kms_key_administrators) > 0 ? [1] : []

    content {
      sid = "KeyAdministration"
      actions = [
        "kms:Create*",
        "kms:Describe*",
        "kms:Enable*",
        "kms:List*",
        "kms:Put*",
        "kms:Update*",
        "kms:Revoke*",
        "kms:Disable*",
        "kms:Get*",
        "kms:Delete*",
        "kms:TagResource",
        "kms:UntagResource",
        "kms:ScheduleKeyDeletion",
        "kms:CancelKeyDeletion",
      ]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = var.kms_key_administrators
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.kms_key_users) > 0 ? [1] : []

    content {
      sid = "KeyUsage"
      actions = [
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:DescribeKey",
      ]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = var.kms_key_users
      }
    }
  }
}

resource "aws_kms_alias" "this" {
  for_each = { for k in toset(concat(["eks/${var.cluster_name}"], var.kms_key_aliases)) : k => k if local.create && var.create_kms_key }

  name          = "alias/${each.value}"
  target_key_id = aws_kms_key.this[0].key_id
}

locals {
  cluster_sg_name   = coalesce(var.cluster_security_group_name, "${var.cluster_name}-cluster")
  create_cluster_sg = local.create && var.create_cluster_security_group

  cluster_security_group_id = local.create_cluster_sg ? aws_security_group.cluster[0].id : var.cluster_security_group_id

  cluster_security_group_rules = { for k, v in {
    ingress_nodes_443 = {
      description                = "Node groups to cluster API"
      protocol                   = "tcp"
      from_port                  = 443
      to_port                    = 443
      type                       = "ingress"
      source_node_security_group = true
    }
  } : k => v if local.create_node_sg }
}

resource "aws_security_group" "cluster" {
  count = local.create_cluster_sg ? 1 : 0

  name        = var.cluster_security_group_use_name_prefix ? null : local.cluster_sg_name
  name_prefix = var.cluster_security_group_use_name_prefix ? "${local.cluster_sg_name}${var.prefix_separator}" : null
  description = var.cluster_security_group_description
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { "Name" = local.cluster_sg_name }, var.cluster_security_group_tags)

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group_rule" "cluster" {
  for_each = { for k, v in merge(
    local.cluster_security_group_rules,
    var.cluster_security_group_additional_rules
  ) : k => v if local.create_cluster_sg }

  security_group_id        = aws_security_group.cluster[0].id
  protocol                 = each.value.protocol
  from_port                = each.value.from_port
  to_port                  = each.value.to_port
  type                     = each.value.type
  description              = lookup(each.value, "description", null)
  cidr_blocks              = lookup(each.value, "cidr_blocks", null)
  ipv6_cidr_blocks         = lookup(each.value, "ipv6_cidr_blocks", null)
  prefix_list_ids          = lookup(each.value, "prefix_list_ids", null)
  self                     = lookup(each.value, "self", null)
  source_security_group_id = try(each.value.source_node_security_group, false) ? local.node_security_group_id : lookup(each.value, "source_security_group_id", null)
}

data "tls_certificate" "this" {
  count = local.create && var.enable_irsa && var.include_oidc_root_ca_thumbprint ? 1 : 0

  url = aws_eks_cluster.this[0].identity[0].oidc[0].issuer
}

resource "aws_iam_openid_connect_provider" "oidc_provider" {
  count = local.create && var.enable_irsa ? 1 : 0

  client_id_list  = distinct(compact(concat(["sts.amazonaws.com"], var.openid_connect_audiences)))
  thumbprint_list = concat(data.tls_certificate.this[0].certificates[*].sha1_fingerprint, var.custom_oidc_thumbprints)
  url             = aws_eks_cluster.this[0].identity[0].oidc[0].issuer

  tags = merge({ Name = "${var.cluster_name}-eks-irsa" }, var.tags)
}

locals {
  create_iam_role        = local.create && var.create_iam_role
  iam_role_name          = coalesce(var.iam_role_name, "${var.cluster_name}-cluster")
  iam_role_policy_prefix = "arn:${local.partition}:iam::aws:policy"

  cluster_encryption_policy_name = coalesce(var.cluster_encryption_policy_name, "${local.iam_role_name}-ClusterEncryption")
}

data "aws_iam_policy_document" "assume_role_policy" {
  count = local.create && var.create_iam_role ? 1 : 0

  statement {
    sid     = "EKSClusterAssumeRole"
    actions = ["sts:AssumeRole", "sts:TagSession"]

    principals {
      type        = "Service"
      identifiers = ["eks.amazonaws.com"]
    }

    dynamic "principals" {
      for_each = local.create_outposts_local_cluster ? [1] : []

      content {
        type        = "Service"
        identifiers = ["ec2.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role" "this" {
  count = local.create_iam_role ? 1 : 0

  name                  = var.iam_role_use_name_prefix ? null : local.iam_role_name
  name_prefix           = var.iam_role_use_name_prefix ? "${local.iam_role_name}${var.prefix_separator}" : null
  path                  = var.iam_role_path
  assume_role_policy    = data.aws_iam_policy_document.assume_role_policy[0].json
  permissions_boundary  = var.iam_role_permissions_boundary
  force_detach_policies = true

  tags = merge(var.tags, var.iam_role_tags)
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = { for k, v in {
    AmazonEKSClusterPolicy         = local.create_outposts_local_cluster ? "${local.iam_role_policy_prefix}/AmazonEKSLocalOutpostClusterPolicy" : "${local.iam_role_policy_prefix}/AmazonEKSClusterPolicy",
    AmazonEKSVPCResourceController = "${local.iam_role_policy_prefix}/AmazonEKSVPCResourceController",
  } : k => v if local.create_iam_role }

  policy_arn = each.value
  role       = aws_iam_role.this[0].name
}

resource "aws_iam_role_policy_attachment" "additional" {
  for_each = { for k, v in var.iam_role_additional_policies : k => v if local.create_iam_role }

  policy_arn = each.value
  role       = aws_iam_role.this[0].name
}

resource "aws_iam_role_policy_attachment" "cluster_encryption" {
  count = local.create_iam_role && var.attach_cluster_encryption_policy && local.enable_cluster_encryption_config ? 1 : 0

  policy_arn = aws_iam_policy.cluster_encryption[0].arn
  role       = aws_iam_role.this[0].name
}

resource "aws_iam_policy" "cluster_encryption" {
  count = local.create_iam_role && var.attach_cluster_encryption_policy && local.enable_cluster_encryption_config ? 1 : 0

  name        = local.cluster_encryption_policy_name
  description = "Cluster encryption policy to allow cluster role to utilize CMK provided"
  path        = var.iam_role_path

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Action = [
          "kms:Encrypt",
          "kms:Decrypt",
          "kms:ListGrants",
          "kms:DescribeKey",
        ]
        Effect   = "Allow"
        Resource = var.create_kms_key ? aws_kms_key.this[0].arn : var.cluster_encryption_config.provider_key_arn
      },
    ]
  })

  tags = merge(var.tags, var.iam_role_tags)
}

data "aws_eks_addon_version" "this" {
  for_each = { for k, v in var.cluster_addons : k => v if local.create && !local.create_outposts_local_cluster }

  addon_name         = try(each.value.name, each.key)
  kubernetes_version = coalesce(var.cluster_version, aws_eks_cluster.this[0].version)
  most_recent        = try(each.value.most_recent, null)
}

resource "aws_eks_addon" "this" {
  for_each = { for k, v in var.cluster_addons : k => v if !try(v.before_compute, false) && local.create && !local.create_outposts_local_cluster }

  cluster_name  = aws_eks_cluster.this[0].name
  addon_name    = try(each.value.name, each.key)
  addon_version = coalesce(try(each.value.addon_version, null), data.aws_eks_addon_version.this[each.key].version)

  configuration_values = try(each.value.configuration_values, null)

  dynamic "pod_identity_association" {
    for_each = try(each.value.pod_identity_association, [])

    content {
      role_arn        = pod_identity_association.value.role_arn
      service_account = pod_identity_association.value.service_account
    }
  }

  preserve                    = try(each.value.preserve, true)
  resolve_conflicts_on_create = try(each.value.resolve_conflicts_on_create, "OVERWRITE")
  resolve_conflicts_on_update = try(each.value.resolve_conflicts_on_update, "OVERWRITE")
  service_account_role_arn    = try(each.value.service_account_role_arn, null)

  timeouts {
    create = try(each.value.timeouts.create, var.cluster_addons_timeouts.create, null)
    update = try(each.value.timeouts.update, var.cluster_addons_timeouts.update, null)
    delete = try(each.value.timeouts.delete, var.cluster_addons_timeouts.delete, null)
  }

  depends_on = [
    module.fargate_profile,
    module.eks_managed_node_group,
    module.self_managed_node_group,
  ]

  tags = merge(var.tags, try(each.value.tags, {}))
}

resource "aws_eks_addon" "before_compute" {
  for_each = { for k, v in var.cluster_addons : k => v if try(v.before_compute, false) && local.create && !local.create_outposts_local_cluster }

  cluster_name  = aws_eks_cluster.this[0].name
  addon_name    = try(each.value.name, each.key)
  addon_version = coalesce(try(each.value.addon_version, null), data.aws_eks_addon_version.this[each.key].version)

  preserve                    = try(each.value.preserve, true)
  resolve_conflicts_on_create = try(each.value.resolve_conflicts_on_create, "OVERWRITE")
  resolve_conflicts_on_update = try(each.value.resolve_conflicts_on_update, "OVERWRITE")

  tags = merge(var.tags, try(each.value.tags, {}))
}

resource "aws_eks_identity_provider_config" "this" {
  for_each = { for k, v in var.cluster_identity_providers : k => v if local.create && !local.create_outposts_local_cluster }

  cluster_name = aws_eks_cluster.this[0].name

  oidc {
    client_id                     = each.value.client_id
    groups_claim                  = lookup(each.value, "groups_claim", null)
    groups_prefix                 = lookup(each.value, "groups_prefix", null)
    identity_provider_config_name = try(each.value.identity_provider_config_name, each.key)
    issuer_url                    = try(each.value.issuer_url, aws_eks_cluster.this[0].identity[0].oidc[0].issuer)
    required_claims               = lookup(each.value, "required_claims", null)
    username_claim                = lookup(each.value, "username_claim", null)
    username_prefix               = lookup(each.value, "username_prefix", null)
  }

  tags = var.tags
}
`

const eksNodeGroups = `locals {
  metadata_options = {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }

  create_node_sg = var.create && var.create_node_security_group

  node_security_group_id = local.create_node_sg ? aws_security_group.node[0].id : var.node_security_group_id

  node_security_group_rules = {
    ingress_cluster_443 = {
      description                   = "Cluster API to node groups"
      protocol                      = "tcp"
      from_port                     = 443
      to_port                       = 443
      type                          = "ingress"
      source_cluster_security_group = true
    }
    ingress_cluster_kubelet = {
      description                   = "Cluster API to node kubelets"
      protocol                      = "tcp"
      from_port                     = 10250
      to_port                       = 10250
      type                          = "ingress"
      source_cluster_security_group = true
    }
    ingress_self_coredns_tcp = {
      description = "Node to node CoreDNS"
      protocol    = "tcp"
      from_port   = 53
      to_port     = 53
      type        = "ingress"
      self        = true
    }
    ingress_self_coredns_udp = {
      description = "Node to node CoreDNS UDP"
      protocol    = "udp"
      from_port   = 53
      to_port     = 53
      type        = "ingress"
      self        = true
    }
  }

  node_security_group_recommended_rules = { for k, v in {
    ingress_nodes_ephemeral = {
      description = "Node to node ingress on ephemeral ports"
      protocol    = "tcp"
      from_port   = 1025
      to_port     = 65535
      type        = "ingress"
      self        = true
    }
    ingress_cluster_4443_webhook = {
      description                   = "Cluster API to node 4443/tcp webhook"
      protocol                      = "tcp"
      from_port                     = 4443
      to_port                       = 4443
      type                          = "ingress"
      source_cluster_security_group = true
    }
    egress_all = {
      description      = "Allow all egress"
      protocol         = "-1"
      from_port        = 0
      to_port          = 0
      type             = "egress"
      cidr_blocks      = ["0.0.0.0/0"]
      ipv6_cidr_blocks = var.cluster_ip_family == "ipv6" ? ["::/0"] : null
    }
  } : k => v if var.node_security_group_enable_recommended_rules }
}

resource "aws_security_group" "node" {
  count = local.create_node_sg ? 1 : 0

  name_prefix = "${coalesce(var.node_security_group_name, "${var.cluster_name}-node")}${var.prefix_separator}"
  description = var.node_security_group_description
  vpc_id      = var.vpc_id

  tags = merge(
    var.tags,
    {
      "Name"                                      = "${var.cluster_name}-node"
      "kubernetes.io/cluster/${var.cluster_name}" = "owned"
    },
    var.node_security_group_tags
  )

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group_rule" "node" {
  for_each = { for k, v in merge(
    local.node_security_group_rules,
    local.node_security_group_recommended_rules,
    var.node_security_group_additional_rules,
  ) : k => v if local.create_node_sg }

  security_group_id        = aws_security_group.node[0].id
  protocol                 = each.value.protocol
  from_port                = each.value.from_port
  to_port                  = each.value.to_port
  type                     = each.value.type
  description              = lookup(each.value, "description", null)
  cidr_blocks              = lookup(each.value, "cidr_blocks", null)
  ipv6_cidr_blocks         = lookup(each.value, "ipv6_cidr_blocks", null)
  prefix_list_ids          = lookup(each.value, "prefix_list_ids", [])
  self                     = lookup(each.value, "self", null)
  source_security_group_id = try(each.value.source_cluster_security_group, false) ? local.cluster_security_group_id : lookup(each.value, "source_security_group_id", null)
}

module "fargate_profile" {
  source = "./modules/fargate-profile"

  for_each = { for k, v in var.fargate_profiles : k => v if var.create && !local.create_outposts_local_cluster }

  create       = try(each.value.create, true)
  cluster_name = aws_eks_cluster.this[0].name
  name         = try(each.value.name, each.key)
  subnet_ids   = try(each.value.subnet_ids, var.fargate_profile_defaults.subnet_ids, var.subnet_ids)
  selectors    = try(each.value.selectors, var.fargate_profile_defaults.selectors, [])
  timeouts     = try(each.value.timeouts, var.fargate_profile_defaults.timeouts, {})

  iam_role_additional_policies = lookup(each.value, "iam_role_additional_policies", lookup(var.fargate_profile_defaults, "iam_role_additional_policies", {}))

  tags = merge(var.tags, try(each.value.tags, var.fargate_profile_defaults.tags, {}))
}

module "eks_managed_node_group" {
  source = "./modules/eks-managed-node-group"

  for_each = { for k, v in var.eks_managed_node_groups : k => v if var.create && !local.create_outposts_local_cluster }

  create = try(each.value.create, true)

  cluster_name      = aws_eks_cluster.this[0].name
  cluster_version   = try(each.value.cluster_version, var.eks_managed_node_group_defaults.cluster_version, aws_eks_cluster.this[0].version)
  cluster_auth_base64 = try(aws_eks_cluster.this[0].certificate_authority[0].data, "")
  cluster_endpoint  = try(aws_eks_cluster.this[0].endpoint, "")

  name            = try(each.value.name, each.key)
  use_name_prefix = try(each.value.use_name_prefix, var.eks_managed_node_group_defaults.use_name_prefix, true)
  subnet_ids      = try(each.value.subnet_ids, var.eks_managed_node_group_defaults.subnet_ids, var.subnet_ids)

  min_size     = try(each.value.min_size, var.eks_managed_node_group_defaults.min_size, 1)
  max_size     = try(each.value.max_size, var.eks_managed_node_group_defaults.max_size, 3)
  desired_size = try(each.value.desired_size, var.eks_managed_node_group_defaults.desired_size, 1)

  ami_type       = try(each.value.ami_type, var.eks_managed_node_group_defaults.ami_type, null)
  instance_types = try(each.value.instance_types, var.eks_managed_node_group_defaults.instance_types, null)
  capacity_type  = try(each.value.capacity_type, var.eks_managed_node_group_defaults.capacity_type, null)
  labels         = try(each.value.labels, var.eks_managed_node_group_defaults.labels, null)
  taints         = try(each.value.taints, var.eks_managed_node_group_defaults.taints, {})
  update_config  = try(each.value.update_config, var.eks_managed_node_group_defaults.update_config, { max_unavailable_percentage = 33 })

  block_device_mappings = try(each.value.block_device_mappings, var.eks_managed_node_group_defaults.block_device_mappings, {})
  metadata_options      = try(each.value.metadata_options, var.eks_managed_node_group_defaults.metadata_options, local.metadata_options)
  enable_monitoring     = try(each.value.enable_monitoring, var.eks_managed_node_group_defaults.enable_monitoring, true)
  vpc_security_group_ids = compact(concat([local.node_security_group_id], try(each.value.vpc_security_group_ids, var.eks_managed_node_group_defaults.vpc_security_group_ids, [])))

  iam_role_additional_policies = lookup(each.value, "iam_role_additional_policies", lookup(var.eks_managed_node_group_defaults, "iam_role_additional_policies", {}))

  tags = merge(var.tags, try(each.value.tags, var.eks_managed_node_group_defaults.tags, {}))
}

module "self_managed_node_group" {
  source = "./modules/self-managed-node-group"

  for_each = { for k, v in var.self_managed_node_groups : k => v if var.create }

  create = try(each.value.create, true)

  cluster_name        = aws_eks_cluster.this[0].name
  cluster_version     = try(each.value.cluster_version, var.self_managed_node_group_defaults.cluster_version, aws_eks_cluster.this[0].version)
  cluster_auth_base64 = try(aws_eks_cluster.this[0].certificate_authority[0].data, "")
  cluster_endpoint    = try(aws_eks_cluster.this[0].endpoint, "")

  name            = try(each.value.name, each.key)
  use_name_prefix = try(each.value.use_name_prefix, var.self_managed_node_group_defaults.use_name_prefix, true)
  subnet_ids      = try(each.value.subnet_ids, var.self_managed_node_group_defaults.subnet_ids, var.subnet_ids)

  min_size     = try(each.value.min_size, var.self_managed_node_group_defaults.min_size, 0)
  max_size     = try(each.value.max_size, var.self_managed_node_group_defaults.max_size, 3)
  desired_size = try(each.value.desired_size, var.self_managed_node_group_defaults.desired_size, 1)

  ami_type                    = try(each.value.ami_type, var.self_managed_node_group_defaults.ami_type, "AL2_x86_64")
  instance_type               = try(each.value.instance_type, var.self_managed_node_group_defaults.instance_type, "m6i.large")
  use_mixed_instances_policy  = try(each.value.use_mixed_instances_policy, var.self_managed_node_group_defaults.use_mixed_instances_policy, false)
  mixed_instances_policy      = try(each.value.mixed_instances_policy, var.self_managed_node_group_defaults.mixed_instances_policy, null)
  associate_public_ip_address = try(each.value.associate_public_ip_address, var.self_managed_node_group_defaults.associate_public_ip_address, false)

  block_device_mappings  = try(each.value.block_device_mappings, var.self_managed_node_group_defaults.block_device_mappings, {})
  metadata_options       = try(each.value.metadata_options, var.self_managed_node_group_defaults.metadata_options, local.metadata_options)
  enable_monitoring      = try(each.value.enable_monitoring, var.self_managed_node_group_defaults.enable_monitoring, true)
  vpc_security_group_ids = compact(concat([local.node_security_group_id], try(each.value.vpc_security_group_ids, var.self_managed_node_group_defaults.vpc_security_group_ids, [])))

  iam_role_additional_policies = lookup(each.value, "iam_role_additional_policies", lookup(var.self_managed_node_group_defaults, "iam_role_additional_policies", {}))

  tags = merge(var.tags, try(each.value.tags, var.self_managed_node_group_defaults.tags, {}))
}
`

const eksTopOutputs = `output "cluster_arn" {
  description = "The Amazon Resource Name (ARN) of the cluster"
  value       = try(aws_eks_cluster.this[0].arn, null)
}

output "cluster_name" {
  description = "The name of the EKS cluster"
  value       = try(aws_eks_cluster.this[0].name, "")
}

output "cluster_endpoint" {
  description = "Endpoint for your Kubernetes API server"
  value       = try(aws_eks_cluster.this[0].endpoint, null)
}

output "cluster_security_group_id" {
  description = "Cluster security group that was created by Amazon EKS for the cluster"
  value       = try(aws_eks_cluster.this[0].vpc_config[0].cluster_security_group_id, null)
}

output "cluster_iam_role_arn" {
  description = "Cluster IAM role ARN"
  value       = try(aws_iam_role.this[0].arn, null)
}

output "oidc_provider_arn" {
  description = "The ARN of the OIDC Provider if enable_irsa = true"
  value       = try(aws_iam_openid_connect_provider.oidc_provider[0].arn, null)
}

output "eks_managed_node_groups" {
  description = "Map of attribute maps for all EKS managed node groups created"
  value       = module.eks_managed_node_group
}

output "self_managed_node_groups" {
  description = "Map of attribute maps for all self managed node groups created"
  value       = module.self_managed_node_group
}

output "fargate_profiles" {
  description = "Map of attribute maps for all EKS Fargate Profiles created"
  value       = module.fargate_profile
}
`

const eksNodeGroupVariables = `variable "create" {
  type    = bool
  default = true
}

variable "tags" {
  type    = map(string)
  default = {}
}

variable "cluster_name" {
  type    = string
  default = ""
}

variable "cluster_version" {
  type    = string
  default = null
}

variable "cluster_endpoint" {
  type    = string
  default = ""
}

variable "cluster_auth_base64" {
  type    = string
  default = ""
}

variable "name" {
  type    = string
  default = ""
}

variable "use_name_prefix" {
  type    = bool
  default = true
}

variable "subnet_ids" {
  type    = list(string)
  default = null
}

variable "min_size" {
  type    = number
  default = 0
}

variable "max_size" {
  type    = number
  default = 3
}

variable "desired_size" {
  type    = number
  default = 1
}

variable "ami_type" {
  type    = string
  default = null
}

variable "instance_types" {
  type    = list(string)
  default = null
}

variable "instance_type" {
  type    = string
  default = "m6i.large"
}

variable "capacity_type" {
  type    = string
  default = "ON_DEMAND"
}

variable "labels" {
  type    = map(string)
  default = null
}

variable "taints" {
  type    = any
  default = {}
}

variable "update_config" {
  type = map(string)
  default = {
    max_unavailable_percentage = 33
  }
}

variable "block_device_mappings" {
  type    = any
  default = {}
}

variable "metadata_options" {
  type = map(string)
  default = {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }
}

variable "enable_monitoring" {
  type    = bool
  default = true
}

variable "vpc_security_group_ids" {
  type    = list(string)
  default = []
}

variable "associate_public_ip_address" {
  type    = bool
  default = false
}

variable "use_mixed_instances_policy" {
  type    = bool
  default = false
}

variable "mixed_instances_policy" {
  type    = any
  default = null
}

variable "iam_role_additional_policies" {
  type    = map(string)
  default = {}
}
`

const eksUserDataVariables = `variable "create" {
  type    = bool
  default = true
}

variable "ami_type" {
  type    = string
  default = null
}

variable "cluster_name" {
  type    = string
  default = ""
}

variable "cluster_endpoint" {
  type    = string
  default = ""
}

variable "cluster_auth_base64" {
  type    = string
  default = ""
}

variable "cluster_service_cidr" {
  type    = string
  default = ""
}

variable "pre_bootstrap_user_data" {
  type    = string
  default = ""
}

variable "bootstrap_extra_args" {
  type    = string
  default = ""
}
`

// eksLaunchTemplate is the launch template both node-group modules share
// the shape of.
const eksLaunchTemplate = `resource "aws_launch_template" "this" {
  count = var.create ? 1 : 0

  name_prefix            = "${var.name}-"
  description            = "Custom launch template for ${var.name} node group"
  update_default_version = true
  ebs_optimized          = true
  instance_type          = %s
  user_data              = module.user_data.user_data
  vpc_security_group_ids = %s

  dynamic "block_device_mappings" {
    for_each = var.block_device_mappings

    content {
      device_name = try(block_device_mappings.value.device_name, null)

      dynamic "ebs" {
        for_each = try([block_device_mappings.value.ebs], [])

        content {
          delete_on_termination = try(ebs.value.delete_on_termination, null)
          encrypted             = try(ebs.value.encrypted, null)
          iops                  = try(ebs.value.iops, null)
          kms_key_id            = try(ebs.value.kms_key_id, null)
          throughput            = try(ebs.value.throughput, null)
          volume_size           = try(ebs.value.volume_size, null)
          volume_type           = try(ebs.value.volume_type, null)
        }
      }
    }
  }

  dynamic "metadata_options" {
    for_each = length(var.metadata_options) > 0 ? [var.metadata_options] : []

    content {
      http_endpoint               = try(metadata_options.value.http_endpoint, null)
      http_protocol_ipv6          = try(metadata_options.value.http_protocol_ipv6, null)
      http_put_response_hop_limit = try(metadata_options.value.http_put_response_hop_limit, null)
      http_tokens                 = try(metadata_options.value.http_tokens, null)
      instance_metadata_tags      = try(metadata_options.value.instance_metadata_tags, null)
    }
  }

  monitoring {
    enabled = var.enable_monitoring
  }

  dynamic "tag_specifications" {
    for_each = toset(["instance", "volume", "network-interface"])

    content {
      resource_type = tag_specifications.key
      tags          = merge(var.tags, { Name = var.name })
    }
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

data "aws_iam_policy_document" "assume_role_policy" {
  count = var.create ? 1 : 0

  statement {
    sid     = "EKSNodeAssumeRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  count = var.create ? 1 : 0

  name_prefix           = "${var.name}-"
  description           = "EKS managed node group IAM role"
  assume_role_policy    = data.aws_iam_policy_document.assume_role_policy[0].json
  force_detach_policies = true

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = { for k, v in merge(
    {
      AmazonEKSWorkerNodePolicy          = "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"
      AmazonEC2ContainerRegistryReadOnly = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"
      AmazonEKS_CNI_Policy               = "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"
    },
    var.iam_role_additional_policies,
  ) : k => v if var.create }

  policy_arn = each.value
  role       = aws_iam_role.this[0].name
}
`

var eksSubmodules = map[string]string{
	"_user_data": `locals {
  is_al2023       = var.ami_type != null && startswith(coalesce(var.ami_type, "AL2"), "AL2023")
  is_bottlerocket = var.ami_type != null && startswith(coalesce(var.ami_type, "AL2"), "BOTTLEROCKET")

  al2_user_data = <<-EOT
    #!/bin/bash
    set -e
    ${var.pre_bootstrap_user_data}
    /etc/eks/bootstrap.sh ${var.cluster_name} --b64-cluster-ca ${var.cluster_auth_base64} --apiserver-endpoint ${var.cluster_endpoint} ${var.bootstrap_extra_args}
  EOT

  al2023_user_data = <<-EOT
    ---
    apiVersion: node.eks.aws/v1alpha1
    kind: NodeConfig
    spec:
      cluster:
        name: ${var.cluster_name}
        apiServerEndpoint: ${var.cluster_endpoint}
        certificateAuthority: ${var.cluster_auth_base64}
        cidr: ${var.cluster_service_cidr}
  EOT

  bottlerocket_user_data = <<-EOT
    [settings.kubernetes]
    "cluster-name" = "${var.cluster_name}"
    "api-server" = "${var.cluster_endpoint}"
    "cluster-certificate" = "${var.cluster_auth_base64}"
  EOT

  user_data = var.create ? base64encode(local.is_al2023 ? local.al2023_user_data : local.is_bottlerocket ? local.bottlerocket_user_data : local.al2_user_data) : ""
}

output "user_data" {
  value = local.user_data
}
`,
	"eks-managed-node-group": `module "user_data" {
  source = "../_user_data"

  create              = var.create
  ami_type            = var.ami_type
  cluster_name        = var.cluster_name
  cluster_endpoint    = var.cluster_endpoint
  cluster_auth_base64 = var.cluster_auth_base64
}

` + fmt.Sprintf(eksLaunchTemplate, "null", "var.vpc_security_group_ids") + `
resource "aws_eks_node_group" "this" {
  count = var.create ? 1 : 0

  cluster_name    = var.cluster_name
  node_role_arn   = aws_iam_role.this[0].arn
  subnet_ids      = var.subnet_ids
  node_group_name_prefix = var.use_name_prefix ? "${var.name}-" : null
  node_group_name = var.use_name_prefix ? null : var.name
  version         = var.cluster_version
  ami_type        = var.ami_type
  capacity_type   = var.capacity_type
  instance_types  = var.instance_types
  labels          = var.labels

  scaling_config {
    min_size     = var.min_size
    max_size     = var.max_size
    desired_size = var.desired_size
  }

  launch_template {
    id      = aws_launch_template.this[0].id
    version = aws_launch_template.this[0].default_version
  }

  dynamic "taint" {
    for_each = var.taints

    content {
      key    = taint.value.key
      value  = try(taint.value.value, null)
      effect = taint.value.effect
    }
  }

  dynamic "update_config" {
    for_each = length(var.update_config) > 0 ? [var.update_config] : []

    content {
      max_unavailable_percentage = try(update_config.value.max_unavailable_percentage, null)
      max_unavailable            = try(update_config.value.max_unavailable, null)
    }
  }

  lifecycle {
    create_before_destroy = true
    ignore_changes        = [scaling_config[0].desired_size]
  }

  tags = merge(var.tags, { Name = var.name })
}

output "node_group_arn" {
  value = try(aws_eks_node_group.this[0].arn, null)
}

output "iam_role_arn" {
  value = try(aws_iam_role.this[0].arn, null)
}
`,
	"self-managed-node-group": `module "user_data" {
  source = "../_user_data"

  create              = var.create
  ami_type            = var.ami_type
  cluster_name        = var.cluster_name
  cluster_endpoint    = var.cluster_endpoint
  cluster_auth_base64 = var.cluster_auth_base64
}

` + strings.Replace(fmt.Sprintf(eksLaunchTemplate, "var.instance_type", "var.associate_public_ip_address ? null : var.vpc_security_group_ids"),
		"  monitoring {", `  dynamic "network_interfaces" {
    for_each = var.associate_public_ip_address ? [1] : []

    content {
      associate_public_ip_address = true
      delete_on_termination       = true
      security_groups             = var.vpc_security_group_ids
    }
  }

  monitoring {`, 1) + `
resource "aws_iam_instance_profile" "this" {
  count = var.create ? 1 : 0

  role        = aws_iam_role.this[0].name
  name_prefix = "${var.name}-"

  tags = var.tags
}

resource "aws_autoscaling_group" "this" {
  count = var.create ? 1 : 0

  name_prefix         = "${var.name}-"
  min_size            = var.min_size
  max_size            = var.max_size
  desired_capacity    = var.desired_size
  vpc_zone_identifier = var.subnet_ids

  dynamic "launch_template" {
    for_each = var.use_mixed_instances_policy ? [] : [1]

    content {
      id      = aws_launch_template.this[0].id
      version = aws_launch_template.this[0].latest_version
    }
  }

  dynamic "mixed_instances_policy" {
    for_each = var.use_mixed_instances_policy ? [var.mixed_instances_policy] : []

    content {
      dynamic "instances_distribution" {
        for_each = try([mixed_instances_policy.value.instances_distribution], [])

        content {
          on_demand_base_capacity                  = try(instances_distribution.value.on_demand_base_capacity, null)
          on_demand_percentage_above_base_capacity = try(instances_distribution.value.on_demand_percentage_above_base_capacity, null)
          spot_allocation_strategy                 = try(instances_distribution.value.spot_allocation_strategy, null)
        }
      }

      launch_template {
        launch_template_specification {
          launch_template_id = aws_launch_template.this[0].id
          version            = aws_launch_template.this[0].latest_version
        }

        dynamic "override" {
          for_each = try(mixed_instances_policy.value.override, [])

          content {
            instance_type     = try(override.value.instance_type, null)
            weighted_capacity = try(override.value.weighted_capacity, null)
          }
        }
      }
    }
  }

  dynamic "tag" {
    for_each = merge(
      {
        "Name"                                      = var.name
        "kubernetes.io/cluster/${var.cluster_name}" = "owned"
        "k8s.io/cluster/${var.cluster_name}"        = "owned"
      },
      var.tags
    )

    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }

  lifecycle {
    create_before_destroy = true
    ignore_changes        = [desired_capacity]
  }
}

output "autoscaling_group_arn" {
  value = try(aws_autoscaling_group.this[0].arn, null)
}
`,
	"fargate-profile": `variable "create" {
  type    = bool
  default = true
}

variable "cluster_name" {
  type    = string
  default = null
}

variable "name" {
  type    = string
  default = ""
}

variable "subnet_ids" {
  type    = list(string)
  default = []
}

variable "selectors" {
  type    = any
  default = []
}

variable "timeouts" {
  type    = map(string)
  default = {}
}

variable "iam_role_additional_policies" {
  type    = map(string)
  default = {}
}

variable "tags" {
  type    = map(string)
  default = {}
}

data "aws_iam_policy_document" "assume_role_policy" {
  count = var.create ? 1 : 0

  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["eks-fargate-pods.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  count = var.create ? 1 : 0

  name_prefix           = "${var.name}-"
  assume_role_policy    = data.aws_iam_policy_document.assume_role_policy[0].json
  force_detach_policies = true

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = { for k, v in merge(
    { AmazonEKSFargatePodExecutionRolePolicy = "arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy" },
    var.iam_role_additional_policies
  ) : k => v if var.create }

  policy_arn = each.value
  role       = aws_iam_role.this[0].name
}

resource "aws_eks_fargate_profile" "this" {
  count = var.create ? 1 : 0

  cluster_name           = var.cluster_name
  fargate_profile_name   = var.name
  pod_execution_role_arn = aws_iam_role.this[0].arn
  subnet_ids             = var.subnet_ids

  dynamic "selector" {
    for_each = var.selectors

    content {
      namespace = selector.value.namespace
      labels    = lookup(selector.value, "labels", {})
    }
  }

  dynamic "timeouts" {
    for_each = [var.timeouts]
    content {
      create = lookup(var.timeouts, "create", null)
      delete = lookup(var.timeouts, "delete", null)
    }
  }

  tags = var.tags
}
`,
	"karpenter": `variable "cluster_name" {
  type    = string
  default = ""
}

variable "enable_v1_permissions" {
  type    = bool
  default = false
}

variable "enable_spot_termination" {
  type    = bool
  default = true
}

variable "queue_managed_sse_enabled" {
  type    = bool
  default = true
}

variable "node_iam_role_additional_policies" {
  type    = map(string)
  default = {}
}

variable "tags" {
  type    = map(string)
  default = {}
}

data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  queue_name = "Karpenter-${var.cluster_name}"

  events = {
    health_event = {
      name        = "HealthEvent"
      description = "Karpenter interrupt - AWS health event"
      event_pattern = {
        source      = ["aws.health"]
        detail-type = ["AWS Health Event"]
      }
    }
    spot_interrupt = {
      name        = "SpotInterrupt"
      description = "Karpenter interrupt - EC2 spot instance interruption warning"
      event_pattern = {
        source      = ["aws.ec2"]
        detail-type = ["EC2 Spot Instance Interruption Warning"]
      }
    }
    instance_rebalance = {
      name        = "InstanceRebalance"
      description = "Karpenter interrupt - EC2 instance rebalance recommendation"
      event_pattern = {
        source      = ["aws.ec2"]
        detail-type = ["EC2 Instance Rebalance Recommendation"]
      }
    }
    instance_state_change = {
      name        = "InstanceStateChange"
      description = "Karpenter interrupt - EC2 instance state-change notification"
      event_pattern = {
        source      = ["aws.ec2"]
        detail-type = ["EC2 Instance State-change Notification"]
      }
    }
  }
}

data "aws_iam_policy_document" "controller" {
  statement {
    sid       = "AllowScopedEC2InstanceAccessActions"
    resources = [
      "arn:${local.partition}:ec2:*::image/*",
      "arn:${local.partition}:ec2:*::snapshot/*",
      "arn:${local.partition}:ec2:*:*:security-group/*",
      "arn:${local.partition}:ec2:*:*:subnet/*",
    ]
    actions = ["ec2:RunInstances", "ec2:CreateFleet"]
  }

  statement {
    sid       = "AllowScopedResourceCreationTagging"
    resources = ["arn:${local.partition}:ec2:*:*:fleet/*", "arn:${local.partition}:ec2:*:*:instance/*"]
    actions   = ["ec2:CreateTags"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/kubernetes.io/cluster/${var.cluster_name}"
      values   = ["owned"]
    }
  }

  statement {
    sid       = "AllowRegionalReadActions"
    resources = ["*"]
    actions = [
      "ec2:DescribeAvailabilityZones",
      "ec2:DescribeImages",
      "ec2:DescribeInstances",
      "ec2:DescribeInstanceTypeOfferings",
      "ec2:DescribeInstanceTypes",
      "ec2:DescribeLaunchTemplates",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSpotPriceHistory",
      "ec2:DescribeSubnets",
    ]
  }

  statement {
    sid       = "AllowPassingInstanceRole"
    resources = var.enable_v1_permissions ? [aws_iam_role.node.arn] : ["*"]
    actions   = ["iam:PassRole"]
  }

  dynamic "statement" {
    for_each = var.enable_spot_termination ? [1] : []

    content {
      sid       = "AllowInterruptionQueueActions"
      resources = [aws_sqs_queue.this[0].arn]
      actions   = ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"]
    }
  }
}

resource "aws_iam_policy" "controller" {
  name_prefix = "KarpenterController-"
  description = "Karpenter controller IAM policy"
  policy      = data.aws_iam_policy_document.controller.json

  tags = var.tags
}

resource "aws_sqs_queue" "this" {
  count = var.enable_spot_termination ? 1 : 0

  name                              = local.queue_name
  message_retention_seconds         = 300
  sqs_managed_sse_enabled           = var.queue_managed_sse_enabled ? true : null
  kms_master_key_id                 = null
  kms_data_key_reuse_period_seconds = null

  tags = var.tags
}

data "aws_iam_policy_document" "queue" {
  count = var.enable_spot_termination ? 1 : 0

  statement {
    sid       = "SqsWrite"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.this[0].arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "sqs.amazonaws.com"]
    }
  }
}

resource "aws_sqs_queue_policy" "this" {
  count = var.enable_spot_termination ? 1 : 0

  queue_url = aws_sqs_queue.this[0].url
  policy    = data.aws_iam_policy_document.queue[0].json
}

resource "aws_cloudwatch_event_rule" "this" {
  for_each = { for k, v in local.events : k => v if var.enable_spot_termination }

  name_prefix   = "Karpenter${each.value.name}-"
  description   = each.value.description
  event_pattern = jsonencode(each.value.event_pattern)

  tags = merge({ "ClusterName" : var.cluster_name }, var.tags)
}

resource "aws_cloudwatch_event_target" "this" {
  for_each = { for k, v in local.events : k => v if var.enable_spot_termination }

  rule      = aws_cloudwatch_event_rule.this[each.key].name
  target_id = "KarpenterInterruptionQueueTarget"
  arn       = aws_sqs_queue.this[0].arn
}

data "aws_iam_policy_document" "node_assume_role" {
  statement {
    sid     = "EKSNodeAssumeRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "node" {
  name_prefix           = "Karpenter-${var.cluster_name}-"
  assume_role_policy    = data.aws_iam_policy_document.node_assume_role.json
  force_detach_policies = true

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "node" {
  for_each = merge(
    {
      AmazonEKSWorkerNodePolicy          = "arn:${local.partition}:iam::aws:policy/AmazonEKSWorkerNodePolicy"
      AmazonEC2ContainerRegistryReadOnly = "arn:${local.partition}:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"
      AmazonEKS_CNI_Policy               = "arn:${local.partition}:iam::aws:policy/AmazonEKS_CNI_Policy"
    },
    var.node_iam_role_additional_policies,
  )

  policy_arn = each.value
  role       = aws_iam_role.node.name
}

resource "aws_eks_access_entry" "node" {
  cluster_name  = var.cluster_name
  principal_arn = aws_iam_role.node.arn
  type          = "EC2_LINUX"

  tags = var.tags
}
`,
	"hybrid-node-role": `variable "name" {
  type    = string
  default = "EKSHybridNode"
}

variable "policy_statements" {
  type    = any
  default = []
}

variable "tags" {
  type    = map(string)
  default = {}
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]

    principals {
      type        = "Service"
      identifiers = ["ssm.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name                  = var.name
  assume_role_policy    = data.aws_iam_policy_document.assume.json
  force_detach_policies = true

  tags = var.tags
}

data "aws_iam_policy_document" "this" {
  statement {
    actions   = ["eks:DescribeCluster"]
    resources = ["*"]
  }

  statement {
    actions = [
      "ssm:DescribeInstanceInformation",
      "ssm:DeleteActivation",
      "ssm:DeregisterManagedInstance",
    ]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.policy_statements

    content {
      sid       = try(statement.value.sid, null)
      actions   = try(statement.value.actions, null)
      effect    = try(statement.value.effect, null)
      resources = try(statement.value.resources, null)
    }
  }
}

resource "aws_iam_policy" "this" {
  name_prefix = "${var.name}-"
  description = "EKS hybrid node IAM role policy"
  policy      = data.aws_iam_policy_document.this.json

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = {
    AmazonSSMManagedInstanceCore       = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    AmazonEC2ContainerRegistryPullOnly = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly"
    node                               = aws_iam_policy.this.arn
  }

  policy_arn = each.value
  role       = aws_iam_role.this.name
}
`,
}
