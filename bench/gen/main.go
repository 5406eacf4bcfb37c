// Command gen writes the benchmark corpora: directories of generated
// Terraform with the shapes real repositories have (several AWS services,
// variables with and without defaults, tfvars, locals, count, for_each,
// dynamic blocks, local modules called from many roots, nested local
// modules, and registry and git module calls that cannot be resolved
// offline). The output depends only on the seed, so every run of the
// benchmark scans byte-identical inputs.
//
//	go run ./bench/gen -out bench/corpus            # every corpus
//	go run ./bench/gen -out bench/corpus -only small
//
// Each corpus gets a directory below -out and a line in -out/corpora.tsv
// with its counts (files, lines, root modules, resource blocks).
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// corpus is one generated tree.
type corpus struct {
	Name string
	// Roots are the root-module directories, relative to the corpus.
	Roots []string
	// Services is how many service files each root gets (min, max).
	MinServices, MaxServices int
	// Doc says what the corpus stands for, for corpora.tsv.
	Doc string
	// Build, when set, writes the whole corpus (the shaped corpora);
	// Roots then only lists its root modules for corpora.tsv.
	Build func(g *generator)
}

func corpora() []corpus {
	var live []string
	for _, env := range []string{"dev", "staging", "prod"} {
		for _, region := range []string{"eu-west-1", "us-east-1"} {
			for _, c := range components {
				live = append(live, filepath.ToSlash(filepath.Join("live", env, region, c)))
			}
		}
	}
	growth := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("roots/r%04d", i+1)
		}
		return out
	}
	return []corpus{
		{Name: "minimal", Roots: []string{"."},
			Doc: "one file, one resource: the fixed start-up cost (check compilation)"},
		{Name: "small", Roots: []string{"."}, MinServices: 3, MaxServices: 3,
			Doc: "one root module, about ten resources: the pre-commit case"},
		{Name: "roots-10", Roots: growth(10), MinServices: 2, MaxServices: 5, Doc: "growth: 10 root modules"},
		{Name: "roots-100", Roots: growth(100), MinServices: 2, MaxServices: 5, Doc: "growth: 100 root modules"},
		{Name: "roots-1000", Roots: growth(1000), MinServices: 2, MaxServices: 5, Doc: "growth: 1,000 root modules"},
		{Name: "large", Roots: live, MinServices: 3, MaxServices: 6,
			Doc: "multi-component repository: envs x regions x components, shared local modules, remote modules"},
		{Name: "eks-shaped", Roots: eksRoots, Build: (*generator).eks,
			Doc: "shaped like terraform-aws-eks: one big module with six local submodules, called by examples/tests roots; locals, try(), for_each, dynamic blocks, IAM policy documents, launch templates, Kubernetes YAML"},
		{Name: "terragoat-shaped", Roots: terragoatRootList(), Build: (*generator).terragoat,
			Doc: "shaped like TerraGoat: a few flat roots per cloud (AWS, Azure, GCP) of deliberately insecure resources with literal attributes"},
	}
}

// components name the root modules of the large corpus.
var components = []string{
	"network", "edge", "identity", "audit", "secrets", "storage", "data-lake",
	"analytics", "api", "web", "workers", "queue", "events", "search", "cache",
	"db-main", "db-reporting", "containers", "registry", "monitoring",
	"backup", "batch", "ml", "payments", "notifications",
}

func main() {
	out := flag.String("out", "bench/corpus", "directory the corpora are written to")
	seed := flag.Uint64("seed", 7, "random seed; the same seed writes the same bytes")
	only := flag.String("only", "", "comma-separated corpus names to write (default all)")
	flag.Parse()

	want := map[string]bool{}
	for _, n := range strings.Split(*only, ",") {
		if n != "" {
			want[n] = true
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	var stats []string
	for _, c := range corpora() {
		if len(want) > 0 && !want[c.Name] {
			continue
		}
		dir := filepath.Join(*out, c.Name)
		if err := os.RemoveAll(dir); err != nil {
			fail(err)
		}
		g := &generator{rnd: rand.New(rand.NewPCG(*seed, hashName(c.Name))), files: map[string]string{}}
		g.corpus(c)
		if err := g.write(dir); err != nil {
			fail(err)
		}
		s := g.stats(c)
		stats = append(stats, s)
		fmt.Fprintln(os.Stderr, "gen:", s)
	}
	// corpora.tsv keeps the lines of corpora not regenerated this time.
	tsv := filepath.Join(*out, "corpora.tsv")
	old, _ := os.ReadFile(tsv)
	kept := map[string]string{}
	for _, l := range strings.Split(string(old), "\n") {
		if f := strings.SplitN(l, "\t", 2); len(f) == 2 && f[0] != "corpus" {
			kept[f[0]] = l
		}
	}
	for _, s := range stats {
		kept[strings.SplitN(s, "\t", 2)[0]] = s
	}
	lines := []string{"corpus\tfiles\ttf_files\tlines\troot_modules\tresource_blocks\tdescription"}
	for _, c := range corpora() {
		if l, ok := kept[c.Name]; ok {
			lines = append(lines, l)
		}
	}
	if err := os.WriteFile(tsv, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}

func hashName(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// generator accumulates the files of one corpus in memory.
type generator struct {
	rnd   *rand.Rand
	files map[string]string // slash path -> content
}

func (g *generator) write(dir string) error {
	paths := make([]string, 0, len(g.files))
	for p := range g.files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(g.files[p]), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) stats(c corpus) string {
	var files, tf, lines, resources int
	for p, s := range g.files {
		files++
		if strings.HasSuffix(p, ".tf") || strings.HasSuffix(p, ".tf.json") {
			tf++
		}
		lines += strings.Count(s, "\n")
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, "resource \"") {
				resources++
			}
		}
	}
	return fmt.Sprintf("%s\t%d\t%d\t%d\t%d\t%d\t%s", c.Name, files, tf, lines, len(c.Roots), resources, c.Doc)
}

func (g *generator) chance(p float64) bool { return g.rnd.Float64() < p }

func (g *generator) pick(xs ...string) string { return xs[g.rnd.IntN(len(xs))] }

// boolLit returns "true" with probability p.
func (g *generator) boolLit(p float64) string {
	if g.chance(p) {
		return "true"
	}
	return "false"
}

func (g *generator) corpus(c corpus) {
	if c.Build != nil {
		c.Build(g)
		return
	}
	if c.Name == "minimal" {
		g.files["main.tf"] = "resource \"aws_sqs_queue\" \"jobs\" {\n  name                    = \"jobs\"\n  sqs_managed_sse_enabled = true\n}\n"
		return
	}
	const modulesDir = "modules"
	g.localModules(modulesDir)
	for i, root := range c.Roots {
		n := c.MinServices + g.rnd.IntN(c.MaxServices-c.MinServices+1)
		g.root(root, modulesDir, i, n)
	}
	if c.Name == "small" {
		// Keep the pre-commit corpus to the modules it calls.
		for p := range g.files {
			if strings.HasPrefix(p, "modules/") && !strings.HasPrefix(p, "modules/s3-bucket/") {
				delete(g.files, p)
			}
		}
	}
}

// rel returns the relative path from root to the modules directory.
func rel(root, modulesDir string) string {
	if root == "." {
		return "./" + modulesDir
	}
	up := strings.Repeat("../", strings.Count(root, "/")+1)
	return up + modulesDir
}

// service writes one service file of a root module.
type service struct {
	file  string
	write func(g *generator, r *rootCtx) string
}

// rootCtx is what service writers know about the root they write into.
type rootCtx struct {
	dir, modules string
	index        int
	local        bool // small corpus: local module calls kept to s3-bucket
}

var services = []service{
	{"storage.tf", (*generator).s3},
	{"network.tf", (*generator).network},
	{"compute.tf", (*generator).compute},
	{"database.tf", (*generator).database},
	{"iam.tf", (*generator).iam},
	{"audit.tf", (*generator).audit},
	{"functions.tf", (*generator).functions},
	{"messaging.tf", (*generator).messaging},
	{"tables.tf", (*generator).tables},
	{"cluster.tf", (*generator).cluster},
	{"loadbalancer.tf", (*generator).loadBalancer},
	{"registry.tf", (*generator).registry},
	{"cache.tf", (*generator).cache},
}

func (g *generator) root(dir, modulesDir string, index, nServices int) {
	r := &rootCtx{dir: dir, modules: rel(dir, modulesDir), index: index, local: dir == "."}
	p := func(name string) string {
		if dir == "." {
			return name
		}
		return dir + "/" + name
	}
	env := g.pick("dev", "staging", "prod")
	if parts := strings.Split(dir, "/"); len(parts) == 4 && parts[0] == "live" {
		env = parts[1]
	}
	g.files[p("versions.tf")] = g.versions(env, dir)
	g.files[p("variables.tf")] = g.variables()
	g.files[p("terraform.tfvars")] = g.tfvars(env, index)
	g.files[p("locals.tf")] = g.locals()

	var chosen []service
	if r.local {
		chosen = []service{services[0], services[1], services[2]}
	} else {
		perm := g.rnd.Perm(len(services))
		for _, i := range perm[:nServices] {
			chosen = append(chosen, services[i])
		}
		slices.SortFunc(chosen, func(a, b service) int { return strings.Compare(a.file, b.file) })
	}
	var outputs []string
	for _, s := range chosen {
		body := s.write(g, r)
		g.files[p(s.file)] = body
		outputs = append(outputs, outputsOf(body)...)
	}
	if !r.local {
		g.files[p("modules.tf")] = g.moduleCalls(r)
		if g.chance(0.1) {
			g.files[p("generated.tf.json")] = g.jsonFile(index)
		}
	}
	g.files[p("outputs.tf")] = g.outputs(outputs)
}

// outputsOf picks a few resource addresses of a service file to output.
func outputsOf(body string) []string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if !strings.HasPrefix(l, "resource \"") || strings.Contains(l, "aws_iam_role_policy_attachment") {
			continue
		}
		f := strings.Fields(l)
		if len(f) >= 3 {
			out = append(out, strings.Trim(f[1], `"`)+"."+strings.Trim(f[2], `"`))
		}
		if len(out) == 2 {
			break
		}
	}
	return out
}

func (g *generator) versions(env, dir string) string {
	version := `      version = "~> 5.40"` + "\n"
	if g.chance(0.15) {
		version = "" // unconstrained provider: a built-in finding
	}
	key := strings.ReplaceAll(dir, "/", "-")
	if key == "." {
		key = "app"
	}
	return fmt.Sprintf(`terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
%s    }
  }

  backend "s3" {
    bucket         = "example-terraform-state-%s"
    key            = "%s/terraform.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "terraform-locks"
    encrypt        = true
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = local.common_tags
  }
}
`, version, env, key)
}

func (g *generator) variables() string {
	return `variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-west-1"
}

variable "environment" {
  description = "Deployment environment."
  type        = string
}

variable "name" {
  description = "Name of the component, used as a prefix."
  type        = string
}

variable "vpc_id" {
  description = "VPC the component runs in."
  type        = string
  default     = "vpc-0a1b2c3d4e5f60718"
}

variable "subnet_ids" {
  description = "Private subnets."
  type        = list(string)
  default     = ["subnet-0a1b2c3d", "subnet-1b2c3d4e", "subnet-2c3d4e5f"]
}

variable "admin_cidrs" {
  description = "Networks allowed to administer the component."
  type        = list(string)
  default     = ["10.0.0.0/8"]
}

variable "ingress_rules" {
  description = "Ingress rules of the service security group."
  type = list(object({
    port        = number
    protocol    = string
    cidr_blocks = list(string)
    description = string
  }))
  default = [
    { port = 443, protocol = "tcp", cidr_blocks = ["10.0.0.0/8"], description = "HTTPS from the VPC" },
  ]
}

variable "buckets" {
  description = "Buckets to create, by short name."
  type = map(object({
    versioning = bool
    public     = bool
  }))
  default = {}
}

variable "instance_count" {
  description = "How many instances to run."
  type        = number
  default     = 1
}

variable "enable_logging" {
  description = "Turn on access and audit logging."
  type        = bool
  default     = true
}

variable "encrypt_volumes" {
  description = "Encrypt EBS volumes."
  type        = bool
  default     = true
}

variable "db_password" {
  description = "Master password of the database; passed in by the pipeline."
  type        = string
  sensitive   = true
}

variable "tags" {
  description = "Extra tags."
  type        = map(string)
  default     = {}
}
`
}

func (g *generator) tfvars(env string, index int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "environment = %q\n", env)
	fmt.Fprintf(&b, "name        = \"svc%03d\"\n", index)
	fmt.Fprintf(&b, "instance_count = %d\n", 1+g.rnd.IntN(3))
	fmt.Fprintf(&b, "enable_logging = %s\n", g.boolLit(0.7))
	fmt.Fprintf(&b, "encrypt_volumes = %s\n", g.boolLit(0.6))
	if g.chance(0.4) {
		b.WriteString("admin_cidrs = [\"0.0.0.0/0\"]\n")
	}
	b.WriteString("\ningress_rules = [\n")
	b.WriteString("  { port = 443, protocol = \"tcp\", cidr_blocks = [\"0.0.0.0/0\"], description = \"HTTPS\" },\n")
	if g.chance(0.5) {
		b.WriteString("  { port = 22, protocol = \"tcp\", cidr_blocks = [\"0.0.0.0/0\"], description = \"SSH\" },\n")
	}
	if g.chance(0.3) {
		b.WriteString("  { port = 5432, protocol = \"tcp\", cidr_blocks = [\"10.20.0.0/16\"], description = \"Postgres\" },\n")
	}
	b.WriteString("]\n\nbuckets = {\n")
	for _, n := range []string{"assets", "logs", "exports", "backups"}[:1+g.rnd.IntN(4)] {
		fmt.Fprintf(&b, "  %s = { versioning = %s, public = %s }\n", n, g.boolLit(0.6), g.boolLit(0.2))
	}
	b.WriteString("}\n\ntags = {\n  team        = \"platform\"\n  cost_center = \"cc-")
	fmt.Fprintf(&b, "%04d\"\n}\n", g.rnd.IntN(10000))
	return b.String()
}

func (g *generator) locals() string {
	return `locals {
  name_prefix = "${var.environment}-${var.name}"

  common_tags = merge(var.tags, {
    environment = var.environment
    component   = var.name
    managed_by  = "terraform"
  })

  public_buckets  = { for k, v in var.buckets : k => v if v.public }
  private_buckets = { for k, v in var.buckets : k => v if !v.public }
  log_bucket      = "${local.name_prefix}-logs"
  is_production   = var.environment == "prod"
}
`
}

func (g *generator) s3(r *rootCtx) string {
	var b strings.Builder
	b.WriteString(`resource "aws_s3_bucket" "this" {
  for_each = var.buckets

  bucket        = "${local.name_prefix}-${each.key}"
  force_destroy = !local.is_production
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = { for k, v in var.buckets : k => v if v.versioning }

  bucket = aws_s3_bucket.this[each.key].id
  versioning_configuration {
    status = "Enabled"
  }
}

`)
	if g.chance(0.6) {
		fmt.Fprintf(&b, `resource "aws_s3_bucket_public_access_block" "this" {
  for_each = local.private_buckets

  bucket                  = aws_s3_bucket.this[each.key].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = %s
  restrict_public_buckets = true
}

`, g.boolLit(0.7))
	}
	if g.chance(0.5) {
		fmt.Fprintf(&b, `resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = %q
    }
  }
}

`, g.pick("aws:kms", "AES256"))
	}
	if g.chance(0.3) {
		b.WriteString(`resource "aws_s3_bucket_acl" "public" {
  for_each = local.public_buckets

  bucket = aws_s3_bucket.this[each.key].id
  acl    = "public-read"
}

`)
	}
	src := r.modules + "/s3-bucket"
	fmt.Fprintf(&b, `module "artifacts" {
  source = %q

  name            = "${local.name_prefix}-artifacts"
  versioning      = %s
  kms_key_arn     = %s
  logging_enabled = var.enable_logging
  log_bucket      = local.log_bucket
}
`, src, g.boolLit(0.5), g.pick(`""`, `"arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"`))
	return b.String()
}

func (g *generator) network(r *rootCtx) string {
	var b strings.Builder
	fmt.Fprintf(&b, `resource "aws_security_group" "service" {
  name        = "${local.name_prefix}-service"
  description = "Service traffic"
  vpc_id      = var.vpc_id

  dynamic "ingress" {
    for_each = var.ingress_rules
    content {
      description = ingress.value.description
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = ingress.value.protocol
      cidr_blocks = ingress.value.cidr_blocks
    }
  }

  egress {
    description = "All outbound"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = [%q]
  }
}

resource "aws_security_group_rule" "admin_ssh" {
  type              = "ingress"
  description       = "SSH from admin networks"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = var.admin_cidrs
  security_group_id = aws_security_group.service.id
}

resource "aws_subnet" "public" {
  count = %d

  vpc_id                  = var.vpc_id
  cidr_block              = cidrsubnet("10.%d.0.0/16", 8, count.index)
  map_public_ip_on_launch = %s
}
`, g.pick("0.0.0.0/0", "10.0.0.0/8"), 1+g.rnd.IntN(3), r.index%250, g.boolLit(0.5))
	if g.chance(0.5) {
		b.WriteString(`
resource "aws_flow_log" "vpc" {
  count = var.enable_logging ? 1 : 0

  vpc_id          = var.vpc_id
  traffic_type    = "ALL"
  log_destination = "arn:aws:s3:::${local.log_bucket}"
}
`)
	}
	if !r.local && g.chance(0.5) {
		fmt.Fprintf(&b, `
module "service_sg" {
  source = "%s/security-group"

  name          = "${local.name_prefix}-internal"
  vpc_id        = var.vpc_id
  ingress_rules = var.ingress_rules
}
`, r.modules)
	}
	return b.String()
}

func (g *generator) compute(r *rootCtx) string {
	return fmt.Sprintf(`data "aws_ami" "base" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["al2023-ami-*-x86_64"]
  }
}

resource "aws_instance" "app" {
  count = var.instance_count

  ami                    = data.aws_ami.base.id
  instance_type          = %q
  subnet_id              = element(var.subnet_ids, count.index)
  vpc_security_group_ids = [aws_security_group.service.id]
  monitoring             = %s

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = %q
  }

  root_block_device {
    volume_size = %d
    encrypted   = var.encrypt_volumes
  }

  tags = {
    Name = "${local.name_prefix}-app-${count.index}"
  }
}

resource "aws_ebs_volume" "data" {
  for_each = toset([for i in range(var.instance_count) : tostring(i)])

  availability_zone = "${var.region}a"
  size              = %d
  encrypted         = %s
}

resource "aws_launch_template" "workers" {
  name_prefix   = "${local.name_prefix}-workers-"
  image_id      = data.aws_ami.base.id
  instance_type = "m6i.large"

  metadata_options {
    http_tokens = %q
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 50
      encrypted   = %s
    }
  }
}
`, g.pick("t3.micro", "t3.small", "m6i.large"), g.boolLit(0.5), g.pick("optional", "required"),
		8*(1+g.rnd.IntN(8)), 20*(1+g.rnd.IntN(10)), g.pick("var.encrypt_volumes", "true", "false"),
		g.pick("optional", "required"), g.boolLit(0.5))
}

func (g *generator) database(r *rootCtx) string {
	var b strings.Builder
	fmt.Fprintf(&b, `resource "aws_db_subnet_group" "main" {
  name       = "${local.name_prefix}-db"
  subnet_ids = var.subnet_ids
}

resource "aws_db_instance" "main" {
  identifier                          = "${local.name_prefix}-db"
  engine                              = "postgres"
  engine_version                      = "15.4"
  instance_class                      = "db.t3.medium"
  allocated_storage                   = 50
  username                            = "app"
  password                            = var.db_password
  db_subnet_group_name                = aws_db_subnet_group.main.name
  storage_encrypted                   = %s
  publicly_accessible                 = %s
  backup_retention_period             = %s
  iam_database_authentication_enabled = %s
  performance_insights_enabled        = %s
  deletion_protection                 = local.is_production
  skip_final_snapshot                 = !local.is_production
}
`, g.boolLit(0.7), g.boolLit(0.2), g.pick("0", "1", "7", "local.is_production ? 14 : 1"), g.boolLit(0.5), g.boolLit(0.5))
	if !r.local && g.chance(0.4) {
		fmt.Fprintf(&b, `
module "reporting_db" {
  source = "%s/rds"

  name        = "${local.name_prefix}-reporting"
  subnet_ids  = var.subnet_ids
  password    = var.db_password
  encrypted   = %s
  multi_az    = local.is_production
  environment = var.environment
}
`, r.modules, g.boolLit(0.6))
	}
	return b.String()
}

func (g *generator) iam(r *rootCtx) string {
	action := g.pick(`"s3:GetObject"`, `"s3:*"`, `"*"`)
	resource := g.pick(`"arn:aws:s3:::${local.name_prefix}-assets/*"`, `"*"`)
	return fmt.Sprintf(`data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com", "lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "app" {
  name               = "${local.name_prefix}-app"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_policy" "app" {
  name = "${local.name_prefix}-app"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = [%s]
        Resource = [%s]
      },
      {
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["arn:aws:logs:${var.region}:*:log-group:/app/${local.name_prefix}:*"]
      },
    ]
  })
}

resource "aws_iam_role_policy_attachment" "app" {
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.app.arn
}

resource "aws_kms_key" "app" {
  description             = "${local.name_prefix} data key"
  deletion_window_in_days = 30
  enable_key_rotation     = %s
}
`, action, resource, g.boolLit(0.6))
}

func (g *generator) audit(r *rootCtx) string {
	return fmt.Sprintf(`resource "aws_cloudtrail" "main" {
  count = var.enable_logging ? 1 : 0

  name                          = "${local.name_prefix}-trail"
  s3_bucket_name                = local.log_bucket
  include_global_service_events = true
  is_multi_region_trail         = %s
  enable_log_file_validation    = %s
  kms_key_id                    = %s
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/app/${local.name_prefix}"
  retention_in_days = %d
  kms_key_id        = %s
}
`, g.boolLit(0.5), g.boolLit(0.5), g.pick("null", `"arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"`),
		[]int{0, 7, 30, 365}[g.rnd.IntN(4)], g.pick("null", `"arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"`))
}

func (g *generator) functions(r *rootCtx) string {
	var b strings.Builder
	fmt.Fprintf(&b, `resource "aws_lambda_function" "handler" {
  function_name = "${local.name_prefix}-handler"
  role          = "arn:aws:iam::111122223333:role/${local.name_prefix}-lambda"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "${path.module}/handler.zip"

  tracing_config {
    mode = %q
  }

  environment {
    variables = {
      ENVIRONMENT = var.environment
    }
  }
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.handler.function_name
  principal     = %q
}
`, g.pick("Active", "PassThrough"), g.pick("apigateway.amazonaws.com", "s3.amazonaws.com"))
	if !r.local && g.chance(0.4) {
		fmt.Fprintf(&b, `
module "worker" {
  source = "%s/lambda"

  name        = "${local.name_prefix}-worker"
  runtime     = "python3.12"
  tracing     = %s
  environment = var.environment
}
`, r.modules, g.boolLit(0.5))
	}
	return b.String()
}

func (g *generator) messaging(r *rootCtx) string {
	return fmt.Sprintf(`resource "aws_sqs_queue" "jobs" {
  for_each = toset(["high", "low"])

  name                      = "${local.name_prefix}-${each.key}"
  message_retention_seconds = 345600
  kms_master_key_id         = %s
}

resource "aws_sns_topic" "alerts" {
  name              = "${local.name_prefix}-alerts"
  kms_master_key_id = %s
}
`, g.pick("null", `"alias/aws/sqs"`), g.pick("null", `"alias/aws/sns"`))
}

func (g *generator) tables(r *rootCtx) string {
	return fmt.Sprintf(`resource "aws_dynamodb_table" "state" {
  name         = "${local.name_prefix}-state"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = %s
  }

  server_side_encryption {
    enabled = %s
  }
}
`, g.boolLit(0.5), g.boolLit(0.5))
}

func (g *generator) cluster(r *rootCtx) string {
	encryption := ""
	if g.chance(0.5) {
		encryption = `
  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    }
  }
`
	}
	return fmt.Sprintf(`resource "aws_eks_cluster" "main" {
  name     = "${local.name_prefix}-eks"
  role_arn = "arn:aws:iam::111122223333:role/eks"

  enabled_cluster_log_types = %s

  vpc_config {
    subnet_ids              = var.subnet_ids
    endpoint_public_access  = %s
    endpoint_private_access = true
    public_access_cidrs     = %s
  }
%s}
`, g.pick(`[]`, `["api", "audit", "authenticator", "controllerManager", "scheduler"]`), g.boolLit(0.5),
		g.pick(`["0.0.0.0/0"]`, `var.admin_cidrs`), encryption)
}

func (g *generator) loadBalancer(r *rootCtx) string {
	return fmt.Sprintf(`resource "aws_lb" "public" {
  name                       = "${local.name_prefix}-alb"
  internal                   = %s
  load_balancer_type         = "application"
  subnets                    = var.subnet_ids
  security_groups            = []
  drop_invalid_header_fields = %s
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.public.arn
  port              = %d
  protocol          = %q
  ssl_policy        = %s

  default_action {
    type             = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/app/0123456789abcdef"
  }
}
`, g.boolLit(0.4), g.boolLit(0.5), []int{80, 443}[g.rnd.IntN(2)], g.pick("HTTP", "HTTPS"),
		g.pick("null", `"ELBSecurityPolicy-TLS13-1-2-2021-06"`, `"ELBSecurityPolicy-2016-08"`))
}

func (g *generator) registry(r *rootCtx) string {
	return fmt.Sprintf(`resource "aws_ecr_repository" "app" {
  name                 = "${local.name_prefix}/app"
  image_tag_mutability = %q

  image_scanning_configuration {
    scan_on_push = %s
  }

  encryption_configuration {
    encryption_type = %q
  }
}
`, g.pick("MUTABLE", "IMMUTABLE"), g.boolLit(0.5), g.pick("AES256", "KMS"))
}

func (g *generator) cache(r *rootCtx) string {
	return fmt.Sprintf(`resource "aws_elasticache_replication_group" "main" {
  replication_group_id       = substr("${local.name_prefix}-cache", 0, 40)
  description                = "Session cache"
  engine                     = "redis"
  node_type                  = "cache.t3.micro"
  num_cache_clusters         = local.is_production ? 2 : 1
  at_rest_encryption_enabled = %s
  transit_encryption_enabled = %s
  snapshot_retention_limit   = %d
  subnet_group_name          = "${local.name_prefix}-cache"
}
`, g.boolLit(0.5), g.boolLit(0.5), g.rnd.IntN(3))
}

// moduleCalls are the remote modules a root calls: registry and git
// sources that cannot be resolved offline, plus a composite local module.
func (g *generator) moduleCalls(r *rootCtx) string {
	var b strings.Builder
	if g.chance(0.6) {
		fmt.Fprintf(&b, `module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.%d.0"

  name               = local.name_prefix
  cidr               = "10.%d.0.0/16"
  azs                = ["${var.region}a", "${var.region}b"]
  private_subnets    = ["10.%d.1.0/24", "10.%d.2.0/24"]
  enable_nat_gateway = local.is_production
}

`, 1+g.rnd.IntN(8), r.index%250, r.index%250, r.index%250)
	}
	if g.chance(0.4) {
		fmt.Fprintf(&b, `module "tags" {
  source = "git::https://github.com/example-org/terraform-modules.git//tags?ref=v1.%d.0"

  environment = var.environment
  component   = var.name
}

`, g.rnd.IntN(5))
	}
	if g.chance(0.2) {
		b.WriteString(`module "dns" {
  source  = "app.terraform.io/example-org/dns/aws"
  version = "~> 2.0"

  zone_name = "${var.name}.example.com"
}

`)
	}
	fmt.Fprintf(&b, `module "service" {
  source = "%s/service"

  name        = local.name_prefix
  vpc_id      = var.vpc_id
  environment = var.environment
  open_ports  = [for r in var.ingress_rules : r.port]
  tags        = local.common_tags
}
`, r.modules)
	return b.String()
}

func (g *generator) jsonFile(index int) string {
	return fmt.Sprintf(`{
  "resource": {
    "aws_sns_topic": {
      "generated_%d": {
        "name": "generated-%d"
      }
    }
  }
}
`, index, index)
}

func (g *generator) outputs(addrs []string) string {
	var b strings.Builder
	for i, a := range addrs {
		if i > 0 {
			b.WriteString("\n")
		}
		name := strings.ReplaceAll(a, ".", "_")
		fmt.Fprintf(&b, "output %q {\n  value = try(%s.id, null)\n}\n", name, a)
	}
	if len(addrs) == 0 {
		b.WriteString("output \"name_prefix\" {\n  value = local.name_prefix\n}\n")
	}
	return b.String()
}

// localModules writes the shared local modules every root may call.
func (g *generator) localModules(dir string) {
	g.files[dir+"/s3-bucket/main.tf"] = `resource "aws_s3_bucket" "this" {
  bucket = var.name
}

resource "aws_s3_bucket_versioning" "this" {
  count = var.versioning ? 1 : 0

  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  count = var.kms_key_arn != "" ? 1 : 0

  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
  }
}

resource "aws_s3_bucket_logging" "this" {
  count = var.logging_enabled ? 1 : 0

  bucket        = aws_s3_bucket.this.id
  target_bucket = var.log_bucket
  target_prefix = "${var.name}/"
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`
	g.files[dir+"/s3-bucket/variables.tf"] = `variable "name" {
  type = string
}

variable "versioning" {
  type    = bool
  default = true
}

variable "kms_key_arn" {
  type    = string
  default = ""
}

variable "logging_enabled" {
  type    = bool
  default = false
}

variable "log_bucket" {
  type    = string
  default = ""
}
`
	g.files[dir+"/s3-bucket/outputs.tf"] = `output "id" {
  value = aws_s3_bucket.this.id
}

output "arn" {
  value = aws_s3_bucket.this.arn
}
`
	g.files[dir+"/security-group/main.tf"] = `variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "ingress_rules" {
  type = list(object({
    port        = number
    protocol    = string
    cidr_blocks = list(string)
    description = string
  }))
  default = []
}

resource "aws_security_group" "this" {
  name        = var.name
  description = "Managed by the security-group module"
  vpc_id      = var.vpc_id

  dynamic "ingress" {
    for_each = var.ingress_rules
    content {
      description = ingress.value.description
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = ingress.value.protocol
      cidr_blocks = ingress.value.cidr_blocks
    }
  }

  egress {
    description = "All outbound"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

output "id" {
  value = aws_security_group.this.id
}
`
	g.files[dir+"/rds/main.tf"] = `variable "name" {
  type = string
}

variable "subnet_ids" {
  type = list(string)
}

variable "password" {
  type      = string
  sensitive = true
}

variable "encrypted" {
  type    = bool
  default = true
}

variable "multi_az" {
  type    = bool
  default = false
}

variable "environment" {
  type = string
}

resource "aws_db_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids
}

resource "aws_rds_cluster" "this" {
  cluster_identifier      = var.name
  engine                  = "aurora-postgresql"
  master_username         = "app"
  master_password         = var.password
  db_subnet_group_name    = aws_db_subnet_group.this.name
  storage_encrypted       = var.encrypted
  backup_retention_period = var.environment == "prod" ? 14 : 1
}

resource "aws_rds_cluster_instance" "this" {
  count = var.multi_az ? 2 : 1

  identifier                   = "${var.name}-${count.index}"
  cluster_identifier           = aws_rds_cluster.this.id
  instance_class               = "db.r6g.large"
  engine                       = aws_rds_cluster.this.engine
  performance_insights_enabled = var.environment == "prod"
}
`
	g.files[dir+"/lambda/main.tf"] = `variable "name" {
  type = string
}

variable "runtime" {
  type = string
}

variable "tracing" {
  type    = bool
  default = false
}

variable "environment" {
  type = string
}

resource "aws_lambda_function" "this" {
  function_name = var.name
  role          = "arn:aws:iam::111122223333:role/${var.name}"
  handler       = "main.handler"
  runtime       = var.runtime
  filename      = "${path.module}/function.zip"

  tracing_config {
    mode = var.tracing ? "Active" : "PassThrough"
  }
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.environment == "prod" ? 365 : 7
}
`
	// service is a composite module calling two others: nested local modules.
	g.files[dir+"/service/main.tf"] = `variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "environment" {
  type = string
}

variable "open_ports" {
  type    = list(number)
  default = []
}

variable "tags" {
  type    = map(string)
  default = {}
}

locals {
  rules = [for p in var.open_ports : {
    port        = p
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
    description = "port ${p}"
  }]
}

module "bucket" {
  source = "../s3-bucket"

  name       = "${var.name}-service-data"
  versioning = var.environment == "prod"
}

module "firewall" {
  source = "../security-group"

  name          = "${var.name}-service"
  vpc_id        = var.vpc_id
  ingress_rules = local.rules
}

resource "aws_sqs_queue" "events" {
  name                    = "${var.name}-events"
  sqs_managed_sse_enabled = var.environment == "prod"
  tags                    = var.tags
}

output "bucket_id" {
  value = module.bucket.id
}
`
}
