package scanner

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/tfmodel"
)

// modulesManifest reads .terraform/modules/modules.json in dir: the
// modules `terraform init` already fetched, which Trivy uses offline. ok
// is false when there is none or it does not decode (Trivy ignores it
// then); entries are what did decode.
func modulesManifest(fsys fs.FS, dir string) (entries []moduleEntry, ok bool) {
	data, err := fs.ReadFile(fsys, path.Join(dir, ".terraform/modules/modules.json"))
	if err != nil {
		return nil, false
	}
	var doc struct {
		Modules []moduleEntry `json:"Modules"`
	}
	err = json.Unmarshal(data, &doc)
	return doc.Modules, err == nil
}

// cachedModules is the keys of dir's modules.json (modulesManifest).
func cachedModules(fsys fs.FS, dir string) map[string]bool {
	entries, ok := modulesManifest(fsys, dir)
	if !ok {
		return nil
	}
	keys := map[string]bool{}
	for _, mod := range entries {
		keys[mod.Key] = true
	}
	return keys
}

// moduleNotes says which module calls of a root module could not be loaded:
// remote sources not downloaded and local paths that do not exist.
func (s *fileSet) moduleNotes(fsys fs.FS, root string, allowDownloads bool) []finding.Note {
	cached := cachedModules(fsys, root)
	var notes []finding.Note
	for _, dir := range s.moduleDirs(root) {
		for _, f := range s.filesIn(dir) {
			if f.Vars || f.Syntax == nil {
				continue
			}
			for _, b := range topBlocks(f.Syntax) {
				if b.Type != "module" || len(b.Labels) == 0 {
					continue
				}
				src, r, ok := literalString(b.Body, "source")
				if !ok {
					continue
				}
				rng := tfmodel.ConvertRange(r, f.Path, f.Src)
				name := b.Labels[0]
				switch {
				case isLocalSource(src):
					target := path.Join(dir, src)
					if !s.tfDirs[target] {
						notes = append(notes, finding.Note{Kind: finding.NoteModuleNotLoaded, Range: rng,
							Message: fmt.Sprintf("module %q: local source %q has no Terraform files; its resources were not checked", name, src)})
					}
				case allowDownloads || cached[name] || hasSuffixKey(cached, "."+name):
				default:
					notes = append(notes, finding.Note{Kind: finding.NoteModuleNotLoaded, Range: rng,
						Message: fmt.Sprintf("module %q: remote source %q was not downloaded (run `terraform init` first, or pass --download-modules); its resources were not checked", name, src)})
				}
			}
		}
	}
	return notes
}

func hasSuffixKey(m map[string]bool, suffix string) bool {
	for k := range m {
		if strings.HasSuffix(k, suffix) {
			return true
		}
	}
	return false
}

// variableNotes says which root module variables have no value: no default,
// no tfvars entry, no TF_VAR_ or --var. Checks that read them see an unknown
// value and cannot decide.
func (s *fileSet) variableNotes(root string, tfvars []string, extra map[string]string) []finding.Note {
	set := map[string]bool{}
	for k := range extra {
		set[k] = true
	}
	for _, e := range os.Environ() {
		if k, _, ok := strings.Cut(e, "="); ok && strings.HasPrefix(k, "TF_VAR_") {
			set[strings.TrimPrefix(k, "TF_VAR_")] = true
		}
	}
	for _, p := range tfvars {
		if f, ok := s.files[p]; ok && f.Syntax != nil {
			attrs, _ := f.Syntax.Body.JustAttributes()
			for k := range attrs {
				set[k] = true
			}
		}
	}
	var notes []finding.Note
	for _, f := range s.filesIn(root) {
		if f.Vars || f.Syntax == nil {
			continue
		}
		for _, b := range topBlocks(f.Syntax) {
			if b.Type != "variable" || len(b.Labels) == 0 || set[b.Labels[0]] {
				continue
			}
			if hasDefault(b.Body) {
				continue
			}
			notes = append(notes, finding.Note{Kind: finding.NoteVariableUnset, Range: tfmodel.ConvertRange(b.DefRange, f.Path, f.Src),
				Message: fmt.Sprintf("variable %q has no value (no default, tfvars entry, TF_VAR_%s or --var); checks that depend on it could not decide", b.Labels[0], b.Labels[0])})
		}
	}
	return notes
}

// hasDefault handles variable blocks with nested blocks (validation), where
// JustAttributes fails.
func hasDefault(body hcl.Body) bool {
	content, _, _ := body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "default"}}})
	if content == nil {
		return false
	}
	_, ok := content.Attributes["default"]
	return ok
}
