package reporters

import "testing"

func TestNew(t *testing.T) {
	for _, name := range Names {
		r, err := New(name, Options{})
		if err != nil || r == nil {
			t.Errorf("New(%s) = %v, %v", name, r, err)
		}
	}
	for _, tc := range []struct {
		name string
		o    Options
	}{
		{"gitlab", Options{}},
		{"local", Options{FilterMode: "changed"}},
		{"github-pr-review", Options{Outdated: "archive"}},
		{"github-check", Options{Outdated: "archive"}},
		{"github-annotations", Options{FilterMode: "changed"}},
		{"github-pr-review", Options{Owners: []OwnerRule{{Mention: []string{"not-a-mention"}}}}},
		{"github-pr-check", Options{Owners: []OwnerRule{{Mention: []string{"not-a-mention"}}}}},
	} {
		r, err := New(tc.name, tc.o)
		if err == nil || r != nil {
			t.Errorf("New(%s, %+v) = %v, %v; want a nil Reporter and an error", tc.name, tc.o, r, err)
		}
	}
}
