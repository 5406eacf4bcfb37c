resource "aws_rds_cluster" "app" {
  cluster_identifier          = "app"
  engine                      = "aurora-mysql"
  engine_mode                 = "serverless"
  master_username             = "admin"
  manage_master_user_password = true
  backup_retention_period     = 7
}
