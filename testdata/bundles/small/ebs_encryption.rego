# METADATA
# title: EBS volumes must be encrypted (bundle copy)
# description: |
#   A check that only this local bundle has, standing in for a check that is
#   newer than the ones embedded in tfreview's pinned Trivy version.
# scope: package
# schemas:
#   - input: schema["cloud"]
# custom:
#   id: AWS-9901
#   long_id: aws-ec2-tfreview-bundle-volume-encryption
#   aliases:
#     - AVD-AWS-9901
#   provider: aws
#   service: ec2
#   severity: MEDIUM
#   recommended_action: Set encrypted = true
#   input:
#     selector:
#       - type: cloud
#         subtypes:
#           - service: ec2
#             provider: aws
package builtin.aws.ec2.aws9901

import rego.v1

deny contains res if {
	some volume in input.aws.ec2.volumes
	volume.__defsec_metadata.managed
	not volume.encryption.enabled.value
	res := result.new("EBS volume is not encrypted (checked by the local bundle).", volume.encryption.enabled)
}
