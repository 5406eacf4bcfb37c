provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = {
      owner = "platform"
    }
  }
}

provider "aws" {
  alias  = "frankfurt"
  region = "eu-central-1"
}

# owner comes from default_tags; cost-center is missing.
resource "aws_s3_bucket" "logs" { # want "TFR-AWS-001: aws_s3_bucket.logs lacks required tags: cost-center" @16:1-16:32
  bucket = "example-logs"
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
  tags = { # want "TFR-AWS-001: aws_sqs_queue.jobs lacks required tags: cost-center" @22:10-24:4
    team = "platform"
  }
}

# The aliased provider has no default_tags.
resource "aws_sns_topic" "alerts" {
  provider = aws.frankfurt
  name     = "alerts"
  tags = { # want "TFR-AWS-001: aws_sns_topic.alerts lacks required tags: owner" @31:10-33:4
    cost-center = "42"
  }
}

# Inherits the default provider: owner from default_tags, cost-center set.
module "queue" {
  source = "./modules/queue"
}

# Gets the aliased provider: owner is missing in the module.
module "queue_frankfurt" {
  source = "./modules/queue"
  providers = {
    aws = aws.frankfurt
  }
}
