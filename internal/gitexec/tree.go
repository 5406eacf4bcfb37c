package gitexec

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
)

// Default limits of ExtractTree.
const (
	DefaultMaxFiles = 200_000
	DefaultMaxBytes = 2 << 30 // 2 GiB
)

// ExtractLimits bound what ExtractTree writes; zero fields take the
// defaults.
type ExtractLimits struct {
	MaxFiles int
	MaxBytes int64
}

// Skipped is a tree entry ExtractTree did not write.
type Skipped struct {
	Path   string
	Reason string // "symlink", "submodule", "unsafe path"
}

// Extracted says what ExtractTree wrote and left out.
type Extracted struct {
	Files   int
	Bytes   int64
	Skipped []Skipped
}

// ErrTooLarge is returned when a tree exceeds the limits.
var ErrTooLarge = errors.New("tree too large")

type treeEntry struct {
	oid  string
	path string
}

// ExtractTree writes the regular files of commit's tree into dst (an
// existing, empty directory) straight from the object database: no
// checkout, so no filter, hook or attribute of the repository takes part.
// Symbolic links and submodules are skipped, never followed, and listed
// in Skipped; every write goes through an os.Root at dst, so no path can
// leave it.
func (r *Runner) ExtractTree(ctx context.Context, commit, dst string, lim ExtractLimits) (Extracted, error) {
	var ex Extracted
	maxFiles := cmp.Or(lim.MaxFiles, DefaultMaxFiles)
	maxBytes := cmp.Or(lim.MaxBytes, DefaultMaxBytes)
	if commit == "" || strings.HasPrefix(commit, "-") {
		return ex, fmt.Errorf("extract tree: %q is not a revision", commit)
	}
	out, err := r.Run(ctx, "ls-tree", "-r", "-z", "--full-tree", "--end-of-options", commit)
	if err != nil {
		return ex, err
	}
	var blobs []treeEntry
	for _, rec := range strings.Split(string(out), "\x00") {
		if rec == "" {
			continue
		}
		meta, p, ok := strings.Cut(rec, "\t")
		fields := strings.Fields(meta)
		if !ok || len(fields) != 3 {
			return ex, fmt.Errorf("extract tree: unexpected ls-tree line %q", rec)
		}
		mode, typ, oid := fields[0], fields[1], fields[2]
		switch {
		case mode == "120000":
			ex.Skipped = append(ex.Skipped, Skipped{Path: p, Reason: "symlink"})
			continue
		case mode == "160000" || typ == "commit":
			ex.Skipped = append(ex.Skipped, Skipped{Path: p, Reason: "submodule"})
			continue
		case typ != "blob":
			continue
		case !safeTreePath(p):
			ex.Skipped = append(ex.Skipped, Skipped{Path: p, Reason: "unsafe path"})
			continue
		}
		blobs = append(blobs, treeEntry{oid: oid, path: p})
	}
	if len(blobs) > maxFiles {
		return ex, fmt.Errorf("extract %s: %d files, more than %d: %w", commit, len(blobs), maxFiles, ErrTooLarge)
	}
	if len(blobs) == 0 {
		return ex, nil
	}

	root, err := os.OpenRoot(dst)
	if err != nil {
		return ex, fmt.Errorf("extract tree: %w", err)
	}
	defer root.Close()

	cctx, cancel := context.WithTimeout(ctx, r.timeout())
	defer cancel()
	c := r.Command(cctx, "cat-file", "--batch", "--buffer")
	stdin, err := c.StdinPipe()
	if err != nil {
		return ex, fmt.Errorf("extract tree: %w", err)
	}
	stdout, err := c.StdoutPipe()
	if err != nil {
		return ex, fmt.Errorf("extract tree: %w", err)
	}
	var stderr bytes.Buffer
	c.Stderr = &stderr
	if err := c.Start(); err != nil {
		return ex, &Error{Args: []string{"cat-file", "--batch"}, Msg: err.Error(), Err: err}
	}
	go func() {
		w := bufio.NewWriter(stdin)
		for _, b := range blobs {
			if _, err := w.WriteString(b.oid + "\n"); err != nil {
				break
			}
		}
		_ = w.Flush()
		_ = stdin.Close()
	}()
	readErr := r.readBlobs(bufio.NewReaderSize(stdout, 1<<16), root, blobs, maxBytes, &ex)
	if readErr != nil {
		cancel() // stop git; it may be blocked writing
	}
	waitErr := c.Wait()
	switch {
	case ctx.Err() != nil:
		return ex, ctx.Err()
	case readErr != nil:
		return ex, readErr
	case waitErr != nil:
		return ex, &Error{Args: []string{"cat-file", "--batch"}, Msg: strings.TrimSpace(stderr.String() + " " + waitErr.Error()), Err: waitErr}
	}
	return ex, nil
}

// readBlobs reads cat-file --batch's answers, in the order asked, into
// files under root.
func (r *Runner) readBlobs(br *bufio.Reader, root *os.Root, blobs []treeEntry, maxBytes int64, ex *Extracted) error {
	for _, b := range blobs {
		header, err := br.ReadString('\n')
		if err != nil {
			return fmt.Errorf("extract %s: read object header: %w", b.path, err)
		}
		fields := strings.Fields(header)
		if len(fields) != 3 || fields[1] != "blob" {
			return fmt.Errorf("extract %s: unexpected object %q", b.path, strings.TrimSpace(header))
		}
		size, err := strconv.ParseInt(fields[2], 10, 64)
		if err != nil || size < 0 {
			return fmt.Errorf("extract %s: bad object size in %q", b.path, strings.TrimSpace(header))
		}
		if ex.Bytes+size > maxBytes {
			return fmt.Errorf("extract: more than %d bytes: %w", maxBytes, ErrTooLarge)
		}
		if err := writeFile(root, b.path, io.LimitReader(br, size), size); err != nil {
			return fmt.Errorf("extract %s: %w", b.path, err)
		}
		if _, err := br.Discard(1); err != nil { // the LF after the contents
			return fmt.Errorf("extract %s: %w", b.path, err)
		}
		ex.Files++
		ex.Bytes += size
	}
	return nil
}

func writeFile(root *os.Root, p string, r io.Reader, size int64) error {
	if dir := path.Dir(p); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	f, err := root.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != size {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// safeTreePath refuses names git itself refuses to check out (fsck
// rejects them, but an object database need not have been checked).
func safeTreePath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || strings.ContainsRune(p, '\\') {
		return false
	}
	for _, el := range strings.Split(p, "/") {
		if el == "" || el == "." || el == ".." || strings.EqualFold(el, ".git") {
			return false
		}
	}
	return true
}
