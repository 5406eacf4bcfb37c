// Package cache keeps byte entries under keys in a directory, for the
// scanner's evaluation cache (--cache-dir): written atomically, checked on
// read, bounded in size. A damaged or foreign entry is a miss, never an
// error and never a wrong answer that passes its checksum.
package cache

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
)

// Version names the layout and entry format: entries of another version
// live in another subdirectory and are never read.
const Version = "v1"

// MaxEntry is the largest entry kept, in bytes: a root module whose
// evaluation is larger is evaluated again next time.
const MaxEntry = 64 << 20

var magic = []byte("tfreview-cache-" + Version + "\n")

// Dir is a cache directory.
type Dir struct {
	root *os.Root // DIR/Version: entries cannot be reached through links out of it
}

// Open opens (creating it if needed) the cache under dir.
func Open(dir string) (*Dir, error) {
	sub := path.Join(dir, Version)
	if err := os.MkdirAll(sub, 0o700); err != nil {
		return nil, fmt.Errorf("cache dir: %w", err)
	}
	r, err := os.OpenRoot(sub)
	if err != nil {
		return nil, fmt.Errorf("cache dir: %w", err)
	}
	return &Dir{root: r}, nil
}

// Close releases the directory.
func (d *Dir) Close() error { return d.root.Close() }

func validKey(key string) bool {
	if len(key) < 8 {
		return false
	}
	for _, c := range key {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func entryPath(key string) string { return key[:2] + "/" + key }

// Get returns the entry under key; ok is false when there is none or it is
// damaged (truncated, altered, too large).
func (d *Dir) Get(key string) (data []byte, ok bool) {
	if !validKey(key) {
		return nil, false
	}
	// Not opened unless a regular file: opening a FIFO planted there
	// would wait for a writer.
	if st, err := d.root.Lstat(entryPath(key)); err != nil || !st.Mode().IsRegular() {
		return nil, false
	}
	f, err := d.root.Open(entryPath(key))
	if err != nil {
		return nil, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() > MaxEntry+int64(len(magic))+sha256.Size {
		return nil, false
	}
	raw, err := io.ReadAll(io.LimitReader(f, MaxEntry+int64(len(magic))+sha256.Size+1))
	if err != nil || len(raw) < len(magic)+sha256.Size || !bytes.Equal(raw[:len(magic)], magic) {
		return nil, false
	}
	sum, payload := raw[len(magic):len(magic)+sha256.Size], raw[len(magic)+sha256.Size:]
	if got := sha256.Sum256(payload); !bytes.Equal(got[:], sum) {
		return nil, false
	}
	return payload, true
}

// ErrTooLarge is returned by Put for an entry over MaxEntry.
var ErrTooLarge = errors.New("cache entry too large")

// Put stores data under key: written to a temporary file beside the entry
// and renamed over it, so a reader sees the old entry or the new one,
// whole.
func (d *Dir) Put(key string, data []byte) error {
	if !validKey(key) {
		return fmt.Errorf("cache key %q: not lower-case hex", key)
	}
	if len(data) > MaxEntry {
		return ErrTooLarge
	}
	if err := d.root.Mkdir(key[:2], 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("cache: %w", err)
	}
	tmp := fmt.Sprintf("%s/.tmp-%s-%d", key[:2], key, os.Getpid())
	f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	sum := sha256.Sum256(data)
	_, err = f.Write(append(append(append([]byte{}, magic...), sum[:]...), data...))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = d.root.Rename(tmp, entryPath(key))
	}
	if err != nil {
		_ = d.root.Remove(tmp)
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}
