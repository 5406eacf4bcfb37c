package reporters

import "testing"

func TestNew(t *testing.T) {
	for _, name := range Names {
		r, err := New(Options{Name: name})
		if err != nil || r == nil {
			t.Errorf("New(%s) = %v, %v", name, r, err)
		}
	}
	for _, o := range []Options{
		{Name: "gitlab"},
		{Name: "local", FilterMode: "changed"},
		{Name: "github-pr-review", Outdated: "archive"},
		{Name: "github-pr-review", Owners: []OwnerRule{{Mention: []string{"not-a-mention"}}}},
	} {
		r, err := New(o)
		if err == nil || r != nil {
			t.Errorf("New(%+v) = %v, %v; want a nil Reporter and an error", o, r, err)
		}
	}
}
