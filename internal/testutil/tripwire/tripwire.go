// Package tripwire is a test helper: a local TCP listener that counts the
// connections made to it, for tests that point every proxy at it and
// assert that a scan connected nowhere.
package tripwire

import (
	"net"
	"sync/atomic"
	"testing"
)

// Listener accepts and closes every connection, counting them.
type Listener struct {
	// URL is http://host:port, for proxy variables.
	URL      string
	connects atomic.Int32
}

// Listen starts a Listener, closed when the test ends.
func Listen(t testing.TB) *Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	l := &Listener{URL: "http://" + ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			l.connects.Add(1)
			c.Close()
		}
	}()
	return l
}

// Connects is how many connections were made so far.
func (l *Listener) Connects() int32 { return l.connects.Load() }
