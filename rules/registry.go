package rules

import (
	"fmt"
	"regexp"
	"strings"
)

// All returns every built-in rule, in ID order. Adding a rule = one file,
// one line here, one testdata folder.
func All() []*Rule {
	return []*Rule{
		RequiredTags,
		AllowedRegions,
		PrivilegedContainer,
		PrivilegeEscalationAllowed,
		ContainerRunsAsRoot,
		HostNamespaceShared,
		HostPathVolume,
		DangerousCapabilitiesAdded,
		CapabilitiesNotDropped,
		WritableRootFilesystem,
		MissingResourceLimits,
		ImageNotPinned,
		ServiceAccountTokenAutomounted,
		HostPortUsed,
		SeccompProfileUnconfined,
		ClusterAdminBinding,
		RBACWildcard,
		ModuleGitRef,
		ModuleRegistryVersion,
		ProviderVersion,
		RequiredVersionMissing,
		ProviderHardcodedCredentials,
		HardcodedSecret,
		ModuleSourceInsecureTransport,
		ProviderSourceMissing,
		RemoteScriptPipedToShell,
	}
}

var idPattern = regexp.MustCompile(`^TFR-[A-Z0-9]+-[0-9]{3}$`)

// Validate checks the registry: unique IDs and slugs, well-formed IDs, docs
// present. It runs at start-up and in tests.
func Validate(rs []*Rule) error {
	seen := map[string]bool{}
	var problems []string
	for _, r := range rs {
		switch {
		case !idPattern.MatchString(r.ID):
			problems = append(problems, fmt.Sprintf("%q: ID must match %s", r.ID, idPattern))
		case r.Slug == "" || strings.ToLower(r.Slug) != r.Slug:
			problems = append(problems, r.ID+": slug must be lower-case and non-empty")
		case r.Title == "" || r.Explanation == "" || r.Resolution == "":
			problems = append(problems, r.ID+": title, explanation and resolution are required")
		case r.Severity == 0:
			problems = append(problems, r.ID+": severity is required")
		case r.Check == nil:
			problems = append(problems, r.ID+": Check is nil")
		}
		for _, k := range []string{r.ID, r.Slug} {
			if seen[strings.ToLower(k)] {
				problems = append(problems, "duplicate ID or slug "+k)
			}
			seen[strings.ToLower(k)] = true
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid rule registry:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}
