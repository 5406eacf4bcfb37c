package origin

import (
	"net/url"
	"testing"
)

func TestOf(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.github.com/repos":  "https://api.github.com:443",
		"HTTPS://API.GitHub.com:443/x":  "https://api.github.com:443",
		"http://127.0.0.1:8080/v1":      "http://127.0.0.1:8080",
		"http://h/":                     "http://h:80",
		"https://[::1]/":                "https://[::1]:443",
		"https://registry.example:8443": "https://registry.example:8443",
	} {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := Of(u); got != want {
			t.Errorf("Of(%s) = %s, want %s", in, got, want)
		}
	}
	a, _ := url.Parse("http://h/")
	b, _ := url.Parse("https://h/")
	if Of(a) == Of(b) {
		t.Error("http and https of one host have the same origin")
	}
}
