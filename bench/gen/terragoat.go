package main

import (
	"fmt"
	"strings"
)

// The terragoat-shaped corpus stands for TerraGoat: a handful of root
// modules per cloud (AWS, Azure, GCP), each a flat directory of service
// files full of deliberately insecure resources written with plain literal
// attributes (few variables, no modules, no for_each), hard-coded
// credentials included. It exercises the checks of three providers and
// little evaluation.

// terragoatRoots are the root modules, by cloud.
var terragoatRoots = map[string][]string{
	"aws":   {"terraform/aws", "terraform/aws-app", "terraform/aws-data", "terraform/simple-instance"},
	"azure": {"terraform/azure", "terraform/azure-app", "terraform/azure-data"},
	"gcp":   {"terraform/gcp", "terraform/gcp-app", "terraform/gcp-data"},
}

var terragoatClouds = []string{"aws", "azure", "gcp"}

func terragoatRootList() []string {
	var out []string
	for _, c := range terragoatClouds {
		out = append(out, terragoatRoots[c]...)
	}
	return out
}

// goatFile is one service file: resource templates, each written with a
// name (%[1]s) and the root's environment (%[2]s).
type goatFile struct {
	file      string
	resources []string
}

func (g *generator) terragoat() {
	for _, cloud := range terragoatClouds {
		for i, dir := range terragoatRoots[cloud] {
			g.terragoatRoot(cloud, dir, i)
		}
	}
}

func (g *generator) terragoatRoot(cloud, dir string, index int) {
	env := fmt.Sprintf("%s%d", g.pick("dev", "stage", "prod"), index)
	g.files[dir+"/provider.tf"] = goatProviders[cloud]
	g.files[dir+"/consts.tf"] = goatConsts[cloud]
	files := goatAWS
	switch cloud {
	case "azure":
		files = goatAzure
	case "gcp":
		files = goatGCP
	}
	if dir == "terraform/simple-instance" {
		files = files[:1]
	}
	for _, f := range files {
		var b strings.Builder
		// Each resource once, and again under another name in some roots:
		// TerraGoat's roots repeat the same mistakes across files.
		for _, r := range f.resources {
			for k := 0; k < 1+g.rnd.IntN(2); k++ {
				name := fmt.Sprintf("%s%d", strings.TrimSuffix(f.file, ".tf"), k)
				b.WriteString(strings.TrimLeft(fmt.Sprintf(r, name, env), "\n"))
				b.WriteString("\n")
			}
		}
		g.files[dir+"/"+f.file] = b.String()
	}
}

var goatProviders = map[string]string{
	"aws": `provider "aws" {
  profile = var.profile
  region  = var.region
}

terraform {
  backend "s3" {
    encrypt = true
  }
}
`,
	"azure": `provider "azurerm" {
  features {}
}
`,
	"gcp": `provider "google" {
  project     = var.project
  region      = var.region
  credentials = file(var.credentials_path)
}
`,
}

var goatConsts = map[string]string{
	"aws": `variable "company_name" {
  default = "acme"
}

variable "environment" {
  default = "dev"
}

variable "region" {
  default = "us-west-2"
}

variable "profile" {
  default = "default"
}

variable "availability_zone" {
  type    = string
  default = "us-west-2a"
}

variable "ami" {
  type    = string
  default = "ami-09a5b0b7edf08843d"
}

variable "dbname" {
  type    = string
  default = "db1"
}

variable "password" {
  type    = string
  default = "Aa1234321Bb"
}

locals {
  resource_prefix = {
    value = "${data.aws_caller_identity.current.account_id}-${var.company_name}-${var.environment}"
  }
}

data "aws_caller_identity" "current" {}
`,
	"azure": `variable "subscription_id" {
  type    = string
  default = "00000000-0000-0000-0000-000000000000"
}

variable "location" {
  type    = string
  default = "West Europe"
}

variable "environment" {
  default = "dev"
}
`,
	"gcp": `variable "project" {
  type    = string
  default = "terragoat-project"
}

variable "region" {
  type    = string
  default = "us-west1"
}

variable "credentials_path" {
  type    = string
  default = "credentials.json"
}

variable "environment" {
  default = "dev"
}
`,
}

var goatAWS = []goatFile{
	{"ec2.tf", []string{`
resource "aws_instance" "%[1]s" {
  ami               = var.ami
  instance_type     = "t2.nano"
  availability_zone = var.availability_zone
  vpc_security_group_ids = [aws_security_group.%[1]s.id]
  subnet_id         = aws_subnet.%[1]s.id
  user_data         = <<EOF
#! /bin/bash
sudo apt-get update
sudo apt-get install -y apache2
sudo systemctl start apache2
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export AWS_DEFAULT_REGION=us-west-2
echo "<h1>Deployed via Terraform</h1>" | sudo tee /var/www/html/index.html
EOF
  tags = {
    Name = "%[2]s-ec2"
  }
}
`, `
resource "aws_ebs_volume" "%[1]s" {
  availability_zone = var.availability_zone
  size              = 1
  tags = {
    Name = "%[2]s-ebs"
  }
}
`, `
resource "aws_ebs_snapshot" "%[1]s" {
  volume_id   = aws_ebs_volume.%[1]s.id
  description = "%[2]s-ebs-snapshot"
}
`, `
resource "aws_security_group" "%[1]s" {
  name   = "%[2]s-sg-%[1]s"
  vpc_id = aws_vpc.%[1]s.id

  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
`, `
resource "aws_vpc" "%[1]s" {
  cidr_block           = "172.16.0.0/16"
  enable_dns_hostnames = true
  enable_dns_support   = true
}

resource "aws_subnet" "%[1]s" {
  vpc_id                  = aws_vpc.%[1]s.id
  cidr_block              = "172.16.10.0/24"
  availability_zone       = var.availability_zone
  map_public_ip_on_launch = true
}

resource "aws_default_security_group" "%[1]s" {
  vpc_id = aws_vpc.%[1]s.id

  ingress {
    protocol  = "-1"
    self      = true
    from_port = 0
    to_port   = 0
  }
}
`}},
	{"s3.tf", []string{`
resource "aws_s3_bucket" "%[1]s" {
  bucket        = "%[2]s-data-%[1]s"
  acl           = "public-read"
  force_destroy = true
}
`, `
resource "aws_s3_bucket_object" "%[1]s" {
  bucket = aws_s3_bucket.%[1]s.id
  key    = "customer-master.xlsx"
  source = "resources/customer-master.xlsx"
}
`, `
resource "aws_s3_bucket" "%[1]s_logs" {
  bucket = "%[2]s-logs-%[1]s"
  acl    = "log-delivery-write"

  versioning {
    enabled = false
  }
}
`, `
resource "aws_s3_bucket_policy" "%[1]s" {
  bucket = aws_s3_bucket.%[1]s.id
  policy = <<POLICY
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": "*",
      "Action": "s3:*",
      "Resource": "arn:aws:s3:::%[2]s-data-%[1]s/*"
    }
  ]
}
POLICY
}
`}},
	{"rds.tf", []string{`
resource "aws_db_instance" "%[1]s" {
  name                    = var.dbname
  engine                  = "mysql"
  engine_version          = "8.0"
  instance_class          = "db.t3.micro"
  allocated_storage       = "20"
  username                = "admin"
  password                = var.password
  apply_immediately       = true
  multi_az                = false
  backup_retention_period = 0
  storage_encrypted       = false
  skip_final_snapshot     = true
  monitoring_interval     = 0
  publicly_accessible     = true
}
`, `
resource "aws_rds_cluster" "%[1]s" {
  cluster_identifier  = "%[2]s-aurora-%[1]s"
  engine              = "aurora-mysql"
  master_username     = "admin"
  master_password     = "Aa1234321Bb"
  storage_encrypted   = false
  skip_final_snapshot = true
}
`}},
	{"iam.tf", []string{`
resource "aws_iam_user" "%[1]s" {
  name          = "%[2]s-user-%[1]s"
  force_destroy = true
}

resource "aws_iam_access_key" "%[1]s" {
  user = aws_iam_user.%[1]s.name
}

resource "aws_iam_user_policy" "%[1]s" {
  name = "excess_policy"
  user = aws_iam_user.%[1]s.name

  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Action": [
        "ec2:*",
        "s3:*",
        "lambda:*",
        "cloudwatch:*"
      ],
      "Effect": "Allow",
      "Resource": "*"
    }
  ]
}
EOF
}
`, `
resource "aws_iam_role" "%[1]s" {
  name = "%[2]s-role-%[1]s"

  assume_role_policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Action": "sts:AssumeRole",
      "Principal": {
        "Service": "lambda.amazonaws.com"
      },
      "Effect": "Allow"
    }
  ]
}
EOF
}

resource "aws_iam_policy" "%[1]s" {
  name   = "%[2]s-admin-%[1]s"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Action = "*", Effect = "Allow", Resource = "*" }]
  })
}
`}},
	{"kms.tf", []string{`
resource "aws_kms_key" "%[1]s" {
  description             = "%[2]s-logs bucket key"
  deletion_window_in_days = 7
}
`}},
	{"lambda.tf", []string{`
resource "aws_lambda_function" "%[1]s" {
  filename      = "resources/lambda_function_payload.zip"
  function_name = "%[2]s-analysis-%[1]s"
  role          = aws_iam_role.%[1]s.arn
  handler       = "exports.test"
  runtime       = "nodejs12.x"

  environment {
    variables = {
      access_key = "AKIAIOSFODNN7EXAMPLE"
      secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    }
  }
}
`}},
	{"elb.tf", []string{`
resource "aws_elb" "%[1]s" {
  name               = "%[2]s-elb-%[1]s"
  availability_zones = ["us-west-2a", "us-west-2b"]

  listener {
    instance_port     = 8000
    instance_protocol = "http"
    lb_port           = 80
    lb_protocol       = "http"
  }
}
`, `
resource "aws_lb" "%[1]s" {
  name               = "%[2]s-alb-%[1]s"
  internal           = false
  load_balancer_type = "application"
}

resource "aws_lb_listener" "%[1]s" {
  load_balancer_arn = aws_lb.%[1]s.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:us-west-2:111122223333:targetgroup/tg/0123456789abcdef"
  }
}
`}},
	{"eks.tf", []string{`
resource "aws_eks_cluster" "%[1]s" {
  name     = "%[2]s-eks-%[1]s"
  role_arn = aws_iam_role.%[1]s.arn

  vpc_config {
    endpoint_private_access = true
    endpoint_public_access  = true
    public_access_cidrs     = ["0.0.0.0/0"]
    subnet_ids              = [aws_subnet.%[1]s.id]
  }
}
`}},
	{"es.tf", []string{`
resource "aws_elasticsearch_domain" "%[1]s" {
  domain_name           = "%[2]s-es-%[1]s"
  elasticsearch_version = "2.3"

  cluster_config {
    instance_type  = "t2.small.elasticsearch"
    instance_count = 1
  }

  ebs_options {
    ebs_enabled = true
    volume_size = 30
  }
}
`}},
	{"neptune.tf", []string{`
resource "aws_neptune_cluster" "%[1]s" {
  cluster_identifier                  = "%[2]s-neptune-%[1]s"
  engine                              = "neptune"
  backup_retention_period             = 5
  preferred_backup_window             = "07:00-09:00"
  skip_final_snapshot                 = true
  iam_database_authentication_enabled = false
  apply_immediately                   = true
  storage_encrypted                   = false
}
`}},
	{"ecr.tf", []string{`
resource "aws_ecr_repository" "%[1]s" {
  name                 = "%[2]s-repository-%[1]s"
  image_tag_mutability = "MUTABLE"
}
`}},
	{"cloudtrail.tf", []string{`
resource "aws_cloudtrail" "%[1]s" {
  name                          = "%[2]s-trail-%[1]s"
  s3_bucket_name                = aws_s3_bucket.%[1]s_logs.id
  include_global_service_events = false
  enable_log_file_validation    = false
  is_multi_region_trail         = false
}
`, `
resource "aws_sqs_queue" "%[1]s" {
  name = "%[2]s-queue-%[1]s"
}

resource "aws_sns_topic" "%[1]s" {
  name = "%[2]s-topic-%[1]s"
}
`}},
}

var goatAzure = []goatFile{
	{"storage.tf", []string{`
resource "azurerm_resource_group" "%[1]s" {
  name     = "terragoat-%[2]s-%[1]s"
  location = var.location
}

resource "azurerm_storage_account" "%[1]s" {
  name                      = "tgsa%[2]s%[1]s"
  resource_group_name       = azurerm_resource_group.%[1]s.name
  location                  = azurerm_resource_group.%[1]s.location
  account_tier              = "Standard"
  account_replication_type  = "GRS"
  enable_https_traffic_only = false
  min_tls_version           = "TLS1_0"
  allow_blob_public_access  = true

  queue_properties {
    logging {
      delete                = false
      read                  = false
      write                 = true
      version               = "1.0"
      retention_policy_days = 10
    }
  }

  network_rules {
    default_action = "Allow"
  }
}
`, `
resource "azurerm_storage_container" "%[1]s" {
  name                  = "vhds-%[1]s"
  storage_account_name  = azurerm_storage_account.%[1]s.name
  container_access_type = "blob"
}
`}},
	{"network.tf", []string{`
resource "azurerm_virtual_network" "%[1]s" {
  name                = "terragoat-vn-%[2]s-%[1]s"
  address_space       = ["10.0.0.0/16"]
  location            = var.location
  resource_group_name = azurerm_resource_group.%[1]s.name
}

resource "azurerm_subnet" "%[1]s" {
  name                 = "terragoat-%[2]s-%[1]s"
  resource_group_name  = azurerm_resource_group.%[1]s.name
  virtual_network_name = azurerm_virtual_network.%[1]s.name
  address_prefixes     = ["10.0.0.0/24"]
}
`, `
resource "azurerm_network_security_group" "%[1]s" {
  location            = var.location
  name                = "terragoat-%[2]s-%[1]s"
  resource_group_name = azurerm_resource_group.%[1]s.name

  security_rule {
    access                     = "Allow"
    direction                  = "Inbound"
    name                       = "AllowSSH"
    priority                   = 200
    protocol                   = "TCP"
    source_address_prefix      = "*"
    source_port_range          = "*"
    destination_port_range     = "22-22"
    destination_address_prefix = "*"
  }

  security_rule {
    access                     = "Allow"
    direction                  = "Inbound"
    name                       = "AllowRDP"
    priority                   = 300
    protocol                   = "TCP"
    source_address_prefix      = "*"
    source_port_range          = "*"
    destination_port_range     = "3389"
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_watcher_flow_log" "%[1]s" {
  enabled                   = false
  network_security_group_id = azurerm_network_security_group.%[1]s.id
  network_watcher_name      = "terragoat-nw-%[1]s"
  resource_group_name       = azurerm_resource_group.%[1]s.name
  storage_account_id        = azurerm_storage_account.%[1]s.id

  retention_policy {
    enabled = false
    days    = 10
  }
}
`}},
	{"instance.tf", []string{`
resource "azurerm_linux_virtual_machine" "%[1]s" {
  admin_username                  = "terragoat-linux"
  admin_password                  = "Aa1234567890"
  location                        = var.location
  name                            = "terragoat-linux-%[1]s"
  network_interface_ids           = ["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic"]
  resource_group_name             = azurerm_resource_group.%[1]s.name
  size                            = "Standard_F2"
  disable_password_authentication = false
  custom_data                     = base64encode("export DB_PASSWORD=Aa1234567890")

  source_image_reference {
    publisher = "Canonical"
    offer     = "UbuntuServer"
    sku       = "16.04-LTS"
    version   = "latest"
  }

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }
}
`, `
resource "azurerm_managed_disk" "%[1]s" {
  name                 = "terragoat-disk-%[1]s"
  location             = var.location
  resource_group_name  = azurerm_resource_group.%[1]s.name
  storage_account_type = "Standard_LRS"
  create_option        = "Empty"
  disk_size_gb         = 1

  encryption_settings {
    enabled = false
  }
}
`}},
	{"key_vault.tf", []string{`
resource "azurerm_key_vault" "%[1]s" {
  name                = "terragoat-key-%[1]s"
  location            = var.location
  resource_group_name = azurerm_resource_group.%[1]s.name
  tenant_id           = "00000000-0000-0000-0000-000000000000"
  sku_name            = "premium"
  purge_protection_enabled = false
}

resource "azurerm_key_vault_key" "%[1]s" {
  name         = "terragoat-generated-certificate-%[1]s"
  key_vault_id = azurerm_key_vault.%[1]s.id
  key_type     = "RSA"
  key_size     = 2048
  key_opts     = ["decrypt", "encrypt", "sign", "unwrapKey", "verify", "wrapKey"]
}

resource "azurerm_key_vault_secret" "%[1]s" {
  key_vault_id = azurerm_key_vault.%[1]s.id
  name         = "terragoat-secret-%[1]s"
  value        = "Aa1234567890"
}
`}},
	{"sql.tf", []string{`
resource "azurerm_sql_server" "%[1]s" {
  name                         = "terragoat-sqlserver-%[2]s-%[1]s"
  resource_group_name          = azurerm_resource_group.%[1]s.name
  location                     = var.location
  version                      = "12.0"
  administrator_login          = "ariel"
  administrator_login_password = "Aa12345678"
}

resource "azurerm_sql_firewall_rule" "%[1]s" {
  name                = "all-%[1]s"
  resource_group_name = azurerm_resource_group.%[1]s.name
  server_name         = azurerm_sql_server.%[1]s.name
  start_ip_address    = "0.0.0.0"
  end_ip_address      = "255.255.255.255"
}
`, `
resource "azurerm_mssql_server" "%[1]s" {
  name                          = "terragoat-mssql-%[2]s-%[1]s"
  resource_group_name           = azurerm_resource_group.%[1]s.name
  location                      = var.location
  version                       = "12.0"
  administrator_login           = "missadministrator"
  administrator_login_password  = "thisIsKat11"
  minimum_tls_version           = "1.0"
  public_network_access_enabled = true
}

resource "azurerm_postgresql_server" "%[1]s" {
  name                         = "terragoat-postgresql-%[2]s-%[1]s"
  location                     = var.location
  resource_group_name          = azurerm_resource_group.%[1]s.name
  sku_name                     = "B_Gen5_2"
  storage_mb                   = 5120
  backup_retention_days        = 7
  geo_redundant_backup_enabled = false
  auto_grow_enabled            = true
  administrator_login          = "terragoat"
  administrator_login_password = "Aa12345678"
  version                      = "9.5"
  ssl_enforcement_enabled      = false
}

resource "azurerm_mysql_server" "%[1]s" {
  administrator_login               = "terragoat-%[2]s"
  administrator_login_password      = "Aa12345678"
  location                          = var.location
  name                              = "terragoat-mysql-%[2]s-%[1]s"
  resource_group_name               = azurerm_resource_group.%[1]s.name
  sku_name                          = "B_Gen5_2"
  storage_mb                        = 5120
  version                           = "5.7"
  public_network_access_enabled     = true
  ssl_enforcement_enabled           = false
  infrastructure_encryption_enabled = false
}
`}},
	{"aks.tf", []string{`
resource "azurerm_kubernetes_cluster" "%[1]s" {
  name                = "terragoat-aks-%[2]s-%[1]s"
  location            = var.location
  resource_group_name = azurerm_resource_group.%[1]s.name
  dns_prefix          = "terragoat-%[2]s"

  default_node_pool {
    name       = "default"
    vm_size    = "Standard_D2_v2"
    node_count = 2
  }

  identity {
    type = "SystemAssigned"
  }

  role_based_access_control {
    enabled = false
  }
}
`}},
	{"app_service.tf", []string{`
resource "azurerm_app_service" "%[1]s" {
  app_service_plan_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Web/serverfarms/plan"
  location            = var.location
  name                = "terragoat-app-service-%[2]s-%[1]s"
  resource_group_name = azurerm_resource_group.%[1]s.name
  https_only          = false

  site_config {
    min_tls_version = "1.1"
    http2_enabled   = false
  }

  auth_settings {
    enabled = false
  }
}
`}},
	{"security_center.tf", []string{`
resource "azurerm_security_center_subscription_pricing" "%[1]s" {
  tier = "Free"
}

resource "azurerm_security_center_contact" "%[1]s" {
  alert_notifications = false
  alerts_to_admins    = false
  email               = "some@email.com"
}

resource "azurerm_role_definition" "%[1]s" {
  name  = "terragoat-role-%[2]s-%[1]s"
  scope = "/subscriptions/00000000-0000-0000-0000-000000000000"

  permissions {
    actions     = ["*"]
    not_actions = []
  }

  assignable_scopes = ["/subscriptions/00000000-0000-0000-0000-000000000000"]
}
`}},
}

var goatGCP = []goatFile{
	{"instances.tf", []string{`
resource "google_compute_instance" "%[1]s" {
  name         = "terragoat-%[2]s-machine-%[1]s"
  machine_type = "n1-standard-1"
  zone         = "us-west1-a"
  can_ip_forward = true

  boot_disk {
    initialize_params {
      image = "debian-cloud/debian-9"
    }
  }

  network_interface {
    subnetwork = google_compute_subnetwork.%[1]s.name
    access_config {}
  }

  metadata = {
    block-project-ssh-keys = false
    enable-oslogin         = false
    serial-port-enable     = true
  }

  service_account {
    scopes = ["cloud-platform"]
  }
}
`, `
resource "google_compute_disk" "%[1]s" {
  name  = "terragoat-%[2]s-disk-%[1]s"
  type  = "pd-ssd"
  image = "debian-9-stretch-v20200805"
  zone  = "us-west1-a"

  disk_encryption_key {
    raw_key = "acXTX3rxrKAFTF0tYVLvydU1riRZTvUNC4g5I11NY-c="
  }
}
`}},
	{"networks.tf", []string{`
resource "google_compute_network" "%[1]s" {
  name                    = "terragoat-%[2]s-network-%[1]s"
  description             = "Virtual network for terragoat deployment"
  routing_mode            = "REGIONAL"
  auto_create_subnetworks = false
}

resource "google_compute_subnetwork" "%[1]s" {
  name          = "terragoat-%[2]s-public-subnetwork-%[1]s"
  ip_cidr_range = "10.0.0.0/24"
  region        = var.region
  network       = google_compute_network.%[1]s.id
}
`, `
resource "google_compute_firewall" "%[1]s" {
  name          = "terragoat-%[2]s-firewall-%[1]s"
  network       = google_compute_network.%[1]s.id
  source_ranges = ["0.0.0.0/0"]

  allow {
    protocol = "tcp"
    ports    = ["0-65535"]
  }
}
`}},
	{"gcs.tf", []string{`
resource "google_storage_bucket" "%[1]s" {
  name          = "terragoat-%[2]s-bucket-%[1]s"
  force_destroy = true
}

resource "google_storage_bucket_iam_binding" "%[1]s" {
  bucket  = google_storage_bucket.%[1]s.name
  role    = "roles/storage.objectViewer"
  members = ["allUsers"]
}
`}},
	{"gke.tf", []string{`
resource "google_container_cluster" "%[1]s" {
  name                     = "terragoat-%[2]s-cluster-%[1]s"
  location                 = var.region
  initial_node_count       = 1
  enable_legacy_abac       = true
  monitoring_service       = "none"
  logging_service          = "none"
  enable_shielded_nodes    = false

  master_auth {
    client_certificate_config {
      issue_client_certificate = true
    }
  }

  master_authorized_networks_config {
    cidr_blocks {
      cidr_block   = "0.0.0.0/0"
      display_name = "public"
    }
  }
}

resource "google_container_node_pool" "%[1]s" {
  cluster    = google_container_cluster.%[1]s.id
  name       = "terragoat-%[2]s-pool-%[1]s"
  location   = var.region
  node_count = 1

  management {
    auto_repair  = false
    auto_upgrade = false
  }
}
`}},
	{"big_data.tf", []string{`
resource "google_sql_database_instance" "%[1]s" {
  name             = "terragoat-%[2]s-master-%[1]s"
  database_version = "POSTGRES_11"
  region           = var.region

  settings {
    tier = "db-f1-micro"

    ip_configuration {
      ipv4_enabled = true
      require_ssl  = false

      authorized_networks {
        name  = "WWW"
        value = "0.0.0.0/0"
      }
    }

    backup_configuration {
      enabled = false
    }
  }
}
`, `
resource "google_bigquery_dataset" "%[1]s" {
  dataset_id = "terragoat_%[2]s_dataset_%[1]s"

  access {
    special_group = "allAuthenticatedUsers"
    role          = "READER"
  }
}
`}},
	{"iam.tf", []string{`
resource "google_project_iam_binding" "%[1]s" {
  project = var.project
  role    = "roles/iam.serviceAccountUser"
  members = ["user:jane@example.com"]
}

resource "google_project_iam_member" "%[1]s" {
  project = var.project
  role    = "roles/owner"
  member  = "serviceAccount:terragoat@terragoat-project.iam.gserviceaccount.com"
}

resource "google_kms_crypto_key" "%[1]s" {
  name            = "terragoat-%[2]s-key-%[1]s"
  key_ring        = "projects/terragoat-project/locations/global/keyRings/ring"
  rotation_period = "15552000s"
}
`}},
}
