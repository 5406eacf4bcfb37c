resource "aws_s3_bucket" "site" {
  bucket = "site"
}

resource "aws_s3_bucket_acl" "site" {
  bucket = aws_s3_bucket.site.id

  access_control_policy {
    grant {
      grantee {
        type = "Group"
        uri  = "http://acs.amazonaws.com/groups/global/AllUsers"
      }
      permission = "READ"
    }

    owner {
      id = "abc"
    }
  }
}

resource "aws_s3_bucket" "partners" {
  bucket = "partners"
}

resource "aws_s3_bucket_acl" "partners" {
  bucket = aws_s3_bucket.partners.id

  access_control_policy {
    grant {
      grantee {
        type = "Group"
        uri  = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
      }
      permission = "READ"
    }

    owner {
      id = "abc"
    }
  }
}
