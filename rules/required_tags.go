package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
)

// RequiredTags: organisation policy, configured with required_tags in
// .tfreview.yaml.
var RequiredTags = &Rule{
	ID:       "TFR-AWS-001",
	Slug:     "required-tags",
	Severity: finding.SeverityMedium,
	Title:    "AWS resource lacks required tags",
	Explanation: "Your organisation requires every taggable AWS resource to carry certain tags (owner, cost " +
		"centre, data classification...), for cost allocation, incident response and access policies that match " +
		"on tags. Tags set by the provider's `default_tags` count. This check runs only when `required_tags` is " +
		"set in .tfreview.yaml.",
	Resolution: "Add the missing keys to the resource's `tags`, or to `default_tags` in the `provider \"aws\"` block " +
		"so every resource gets them.",
	Provider:   "aws",
	Service:    "tagging",
	References: []string{"https://registry.terraform.io/providers/hashicorp/aws/latest/docs/guides/resource-tagging"},
	Configured: func(cfg Config) bool { return len(cfg.RequiredTags) > 0 },
	Configuration: `rules:
  required_tags: [owner, cost-center]`,
	Check: checkRequiredTags,
}

// taggableAWS lists common AWS resources that take `tags` (a resource that
// sets `tags` is taggable whether listed or not).
var taggableAWS = awsTypes(`
		acm_certificate api_gateway_rest_api api_gateway_stage apigatewayv2_api apigatewayv2_stage athena_workgroup
		backup_plan backup_vault cloudformation_stack cloudfront_distribution cloudtrail cloudwatch_event_rule
		cloudwatch_log_group cloudwatch_metric_alarm codebuild_project codecommit_repository codepipeline
		customer_gateway db_instance db_parameter_group db_subnet_group docdb_cluster dynamodb_table ebs_snapshot
		ebs_volume ec2_transit_gateway ecr_repository ecs_cluster ecs_service ecs_task_definition efs_file_system
		egress_only_internet_gateway eip eks_cluster eks_node_group elasticache_cluster elasticache_replication_group
		elasticsearch_domain elb emr_cluster flow_log glue_job iam_policy iam_role iam_user instance internet_gateway
		kinesis_firehose_delivery_stream kinesis_stream kms_key lambda_function launch_template lb lb_target_group
		msk_cluster mq_broker nat_gateway neptune_cluster network_acl network_interface opensearch_domain
		rds_cluster redshift_cluster route53_zone route_table s3_bucket sagemaker_endpoint sagemaker_notebook_instance
		secretsmanager_secret security_group sfn_state_machine sns_topic sqs_queue ssm_parameter subnet vpc
		vpc_endpoint vpc_peering_connection vpn_gateway wafv2_web_acl workspaces_workspace`)

func awsTypes(list string) map[string]bool {
	m := map[string]bool{}
	for _, t := range strings.Fields(list) {
		m["aws_"+t] = true
	}
	return m
}

func checkRequiredTags(p *Pass) {
	required := p.Config.RequiredTags
	if len(required) == 0 {
		return
	}
	for _, res := range p.Project.Resources() {
		typ := res.TypeLabel()
		tags := res.Attr("tags")
		if !strings.HasPrefix(typ, "aws_") || (!taggableAWS[typ] && tags == nil) {
			continue
		}
		have := map[string]bool{}
		if tags != nil && !tagKeys(tags.Value, have) {
			continue
		}
		rm := rootModuleOf(p.Project, res)
		if rm == nil {
			continue
		}
		prov, ok := providerConfig(rm, res)
		if !ok {
			continue
		}
		if prov != nil {
			if dta := prov.Child("default_tags").Attr("tags"); dta != nil && !tagKeys(dta.Value, have) {
				continue
			}
		}
		var missing []string
		for _, k := range required {
			if !have[k] {
				missing = append(missing, k)
			}
		}
		if len(missing) == 0 {
			continue
		}
		slices.Sort(missing)
		msg := fmt.Sprintf("%s lacks required tags: %s", res.Address, strings.Join(missing, ", "))
		const noFix = "the tag values cannot be known here"
		if tags != nil {
			p.ReportAttr(tags, msg, nil, noFix)
		} else {
			p.ReportMissing(res, "tags", msg, nil, noFix)
		}
	}
}

// tagKeys adds the keys of a tags map to have; false when the keys cannot
// be known.
func tagKeys(v cty.Value, have map[string]bool) bool {
	if !v.IsKnown() {
		return false
	}
	if v.IsNull() {
		return true
	}
	if !(v.Type().IsMapType() || v.Type().IsObjectType()) {
		return false
	}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if e.IsKnown() && e.IsNull() {
			continue
		}
		have[k.AsString()] = true
	}
	return true
}
