package trivyadapter

import "testing"

// TestEmbeddedChecksPassBundleCheck: the checks tfreview ships compile
// under the restricted capabilities, so a bundle of the same checks (a
// newer release of them) is accepted.
func TestEmbeddedChecksPassBundleCheck(t *testing.T) {
	modules, err := loadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	if err := checkBundle("embedded", modules); err != nil {
		t.Fatal(err)
	}
}
