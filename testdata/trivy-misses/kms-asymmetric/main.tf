# Asymmetric and HMAC keys cannot have automatic rotation. Trivy exempts
# key_usage = "SIGN_VERIFY" only: an RSA encryption key or an ECC key
# agreement key was reported.
resource "aws_kms_key" "rsa_encrypt" {
  description              = "RSA encryption key"
  customer_master_key_spec = "RSA_2048"
  key_usage                = "ENCRYPT_DECRYPT"
}

resource "aws_kms_key" "ecc_agreement" {
  description              = "ECC key agreement key"
  customer_master_key_spec = "ECC_NIST_P256"
  key_usage                = "KEY_AGREEMENT"
}

# A symmetric key without rotation is still reported.
resource "aws_kms_key" "data" {
  description = "data key"
}
