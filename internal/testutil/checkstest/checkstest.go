// Package checkstest holds custom Rego checks for tests of
// --custom-checks.
package checkstest

import "strings"

// VolumeEncrypted is a custom check, ACME-0001 at the given severity,
// that reports every aws_ebs_volume without encryption.
func VolumeEncrypted(severity string) string {
	return strings.ReplaceAll(volumeEncrypted, "SEVERITY", severity)
}

const volumeEncrypted = `# METADATA
# title: Team policy - volumes are encrypted
# custom:
#   id: ACME-0001
#   avd_id: ACME-0001
#   provider: aws
#   service: ec2
#   severity: SEVERITY
#   input:
#     selector:
#       - type: cloud
#         subtypes:
#           - service: ec2
#             provider: aws
package custom.aws.ec2.volume_min_size

import rego.v1

deny contains res if {
	some volume in input.aws.ec2.volumes
	not volume.encryption.enabled.value
	res := result.new("team policy: volumes are encrypted", volume.encryption.enabled)
}
`
