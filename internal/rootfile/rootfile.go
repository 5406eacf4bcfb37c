// Package rootfile reads files that come from the scanned tree (the
// configuration, the baseline) without letting the tree point tfreview
// elsewhere: the file must be a regular file, not a symbolic link, a
// device or a FIFO, and is read up to a size limit. A symlinked
// .tfreview.yaml would otherwise have tfreview read /etc/passwd (and quote it
// in a parse error) or /dev/zero (without end).
package rootfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotRegular is returned for a symbolic link, a directory, a device, a
// FIFO or a socket.
var ErrNotRegular = errors.New("not a regular file (symbolic links, devices and FIFOs are refused)")

// ErrTooLarge is returned for a file over the limit.
var ErrTooLarge = errors.New("file too large")

// Read reads the regular file at path, at most limit bytes. The last
// element of path must not be a symbolic link; the directories leading to
// it are the caller's (they come from the command line).
func Read(path string, limit int64) ([]byte, error) {
	return ReadIn(filepath.Dir(path), filepath.Base(path), limit)
}

// ReadIn reads the regular file name inside dir, at most limit bytes. name
// may have several elements; it is resolved with os.Root, so neither ".."
// nor a symbolic link along the way leads out of dir, and the file itself
// must not be a symbolic link.
func ReadIn(dir, name string, limit int64) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	before, err := root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !before.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w", name, ErrNotRegular)
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The file checked must be the file opened: a swap between Lstat and
	// Open is refused rather than followed.
	after, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !after.Mode().IsRegular() || !os.SameFile(before, after) {
		return nil, fmt.Errorf("%s: %w", name, ErrNotRegular)
	}
	if after.Size() > limit {
		return nil, fmt.Errorf("%s: %w (%d bytes, the limit is %d)", name, ErrTooLarge, after.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w (over %d bytes)", name, ErrTooLarge, limit)
	}
	return data, nil
}

// CheckInside checks that path (absolute, or relative to the current
// directory) names a regular file inside root once every symbolic link is
// followed.
func CheckInside(root, path string) error {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(absRoot, abs)
	if err != nil || !filepath.IsLocal(rel) {
		return fmt.Errorf("%w %s", ErrOutside, absRoot)
	}
	r, err := os.OpenRoot(absRoot)
	if err != nil {
		return err
	}
	defer r.Close()
	// Root.Stat follows symbolic links but refuses one that leads out of
	// the root.
	info, err := r.Stat(rel)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w %s (%w)", ErrOutside, absRoot, pe.Err)
		}
		return err
	}
	if !info.Mode().IsRegular() {
		return ErrNotRegular
	}
	return nil
}

// ErrOutside is returned by CheckInside for a path that leads out of the
// root.
var ErrOutside = errors.New("outside")
