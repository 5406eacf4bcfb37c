package cache

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const key = "0123456789abcdef0123456789abcdef"

// openTemp opens a cache in a new temporary directory, closed when the
// test ends.
func openTemp(t *testing.T) (*Dir, string) {
	t.Helper()
	dir := t.TempDir()
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, dir
}

// TestCacheRoundTripAndDamage: an entry reads back as written; truncated,
// altered, foreign or oversized entries are misses, not errors.
func TestCacheRoundTripAndDamage(t *testing.T) {
	c, dir := openTemp(t)
	if _, ok := c.Get(key); ok {
		t.Fatal("hit in an empty cache")
	}
	if err := c.Put(key, []byte("payload")); err != nil {
		t.Fatal(err)
	}
	if got, ok := c.Get(key); !ok || string(got) != "payload" {
		t.Fatalf("Get = %q, %v", got, ok)
	}
	file := filepath.Join(dir, Version, key[:2], key)
	good, _ := os.ReadFile(file)
	for name, bad := range map[string][]byte{
		"truncated": good[:len(good)-2],
		"altered":   append(bytes.Clone(good[:len(good)-1]), good[len(good)-1]^1),
		"foreign":   []byte("not an entry at all"),
		"empty":     nil,
	} {
		os.WriteFile(file, bad, 0o600)
		if got, ok := c.Get(key); ok {
			t.Errorf("%s entry read as %q", name, got)
		}
	}
	if err := c.Put(key, make([]byte, MaxEntry+1)); err != ErrTooLarge {
		t.Errorf("oversized Put: %v, want ErrTooLarge", err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, Version, key[:2]))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// TestCacheKeysCannotLeaveTheDirectory: keys are hex; anything else (a
// path) is refused, and entries are reached through an os.Root.
func TestCacheKeysCannotLeaveTheDirectory(t *testing.T) {
	c, dir := openTemp(t)
	for _, k := range []string{"../../../../etc/passwd", "ab/../../x", "ABCDEF0123456789", "short"} {
		if err := c.Put(k, []byte("x")); err == nil {
			t.Errorf("Put(%q) accepted", k)
		}
		if _, ok := c.Get(k); ok {
			t.Errorf("Get(%q) hit", k)
		}
	}
	// A link planted in the cache pointing out of it is not followed.
	outside := filepath.Join(t.TempDir(), "x")
	os.WriteFile(outside, []byte("secret"), 0o600)
	os.MkdirAll(filepath.Join(dir, Version, key[:2]), 0o700)
	os.Symlink(outside, filepath.Join(dir, Version, key[:2], key))
	if got, ok := c.Get(key); ok {
		t.Errorf("followed a link out of the cache: %q", got)
	}
}

// TestCacheSpecialFileIsMiss: a FIFO planted at an entry's path (by
// whoever else can write the cache directory) is a miss: Get does not
// wait for a writer that never comes.
func TestCacheSpecialFileIsMiss(t *testing.T) {
	c, dir := openTemp(t)
	os.MkdirAll(filepath.Join(dir, Version, key[:2]), 0o700)
	if err := mkfifo(filepath.Join(dir, Version, key[:2], key)); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan bool, 1)
	go func() {
		_, ok := c.Get(key)
		done <- ok
	}()
	select {
	case ok := <-done:
		if ok {
			t.Errorf("a FIFO read as an entry")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Get blocked on a FIFO planted in the cache")
	}
}
