// Package origin names a URL's origin, which tokens are kept to.
package origin

import (
	"net"
	"net/url"
	"strings"
)

// Of is scheme://host:port, with the scheme's default port made explicit,
// so that http://h and http://h:80 compare equal and https://h and
// http://h do not.
func Of(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return strings.ToLower(u.Scheme) + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}
