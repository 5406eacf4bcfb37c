package rules

import (
	"fmt"
	"strings"

	"github.com/tfreview/tfreview/finding"
)

// ImageNotPinned: Kubescape C-0075 and Trivy's KSV013 flag :latest and
// untagged images; requiring digests is opt-in (require_image_digest).
var ImageNotPinned = &Rule{
	ID:       "TFR-K8S-010",
	Slug:     "image-not-pinned",
	Severity: finding.SeverityMedium,
	Title:    "Container image has no tag, uses :latest, or (if required) has no digest",
	Explanation: "An image with no tag or the `latest` tag is whatever was pushed last: rollouts are not " +
		"reproducible, a rollback does not roll back, and a compromised registry push reaches the cluster on the " +
		"next pod restart. A tag can still be moved; only a digest (`@sha256:...`) names exact content, which " +
		"`require_image_digest: true` in .tfreview.yaml enforces (reported as LOW).",
	Resolution: "Use a specific version tag, ideally with its digest: `registry/app:1.4.2@sha256:...`.",
	Provider:   "kubernetes",
	Service:    "workloads",
	References: []string{"https://kubernetes.io/docs/concepts/containers/images/#image-names"},
	Configuration: `rules:
  require_image_digest: true # also report tags without a digest (LOW)`,
	Check: checkImagePinned,
}

// imageRef splits an image reference into its tag and digest.
func imageRef(image string) (tag, digest string) {
	if i := strings.Index(image, "@"); i >= 0 {
		image, digest = image[:i], image[i+1:]
	}
	last := image[strings.LastIndex(image, "/")+1:]
	if i := strings.LastIndex(last, ":"); i >= 0 {
		tag = last[i+1:]
	}
	return tag, digest
}

func checkImagePinned(p *Pass) {
	const noFix = "the version to pin to cannot be known here"
	for _, pd := range workloads(p.Project) {
		for _, c := range pd.containers() {
			a := c.attr("image")
			if a == nil || !knownString(a.Value) || strings.TrimSpace(a.Value.AsString()) == "" {
				continue
			}
			image := a.Value.AsString()
			tag, digest := imageRef(image)
			who := c.label + " of " + resName(pd.res)
			switch {
			case digest != "":
			case tag == "":
				reportK8sAttr(p, a, fmt.Sprintf("%s uses image %q with no tag, which means :latest", who, image), nil, noFix)
			case tag == "latest":
				reportK8sAttr(p, a, fmt.Sprintf("%s uses image %q with the mutable tag :latest", who, image), nil, noFix)
			case p.Config.RequireImageDigest:
				p.Report(Issue{Block: a.Block, Range: a.Range, AttributePath: a.Path, Severity: finding.SeverityLow,
					Message: fmt.Sprintf("%s uses image %q without a digest (require_image_digest is on)", who, image), NoFixReason: noFix})
			}
		}
	}
}
