// Package loopback says whether a host is this machine: the only place a
// token or credential may be sent over plain http (tests' stand-ins).
package loopback

import "net"

// Host reports whether host (a URL's Hostname(): no port, no brackets) is
// "localhost" or a loopback IP address. A name that merely starts with
// 127.0.0.1 (127.0.0.1.evil.example) is not.
func Host(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
