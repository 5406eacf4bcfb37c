package scanner

import (
	"io/fs"
	"path"
	"slices"

	"github.com/tfreview/tfreview/internal/trivyadapter"
)

// trivyProviders returns the Trivy providers of the resources declared in
// the files read, so only their checks are compiled; an AWS-only tree does
// not pay for Azure's or Google's. It returns nil (compile every check)
// when resources may come from files tfreview does not read: modules that
// `terraform init` cached under .terraform, or modules downloaded during
// the scan.
func (s *fileSet) trivyProviders(fsys fs.FS, roots []string, allowDownloads bool) []string {
	if allowDownloads {
		return nil
	}
	for _, r := range roots {
		if _, err := fs.Stat(fsys, path.Join(r, ".terraform")); err == nil {
			return nil
		}
	}
	seen := map[string]bool{}
	for _, f := range s.files {
		if f.Vars || f.Syntax == nil {
			continue
		}
		for _, b := range topBlocks(f.Syntax) {
			if b.Type != "resource" || len(b.Labels) == 0 {
				continue
			}
			if p := trivyadapter.ProviderOf(b.Labels[0]); p != "" {
				seen[p] = true
			}
		}
	}
	out := []string{}
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
