package modfetch

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// Limits bound what one module package may take.
type Limits struct {
	// MaxDownload is the largest archive downloaded, in bytes.
	MaxDownload int64
	// MaxBytes is the most its files may hold once extracted.
	MaxBytes int64
	// MaxFiles is the most files (and directories) it may hold.
	MaxFiles int
}

// DefaultLimits are far above any published module (terraform-aws-eks is
// about 2 MB and 400 files extracted) and far below what would fill a CI
// runner's disk.
var DefaultLimits = Limits{MaxDownload: 64 << 20, MaxBytes: 256 << 20, MaxFiles: 20_000}

// ErrRefused is an archive that breaks a rule: a path leaving the
// package, a link, a special file, or a limit.
var ErrRefused = errors.New("archive refused")

func refused(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// extractArchive writes the regular files of the archive in file (zip or
// gzipped tar, told by its first bytes) under dst, an empty directory.
// Every write goes through an os.Root at dst, and only regular files and
// directories are written, with fixed permissions (nothing executable):
// a link, a device or a path leaving dst refuses the whole archive, as
// does passing lim.
func extractArchive(file *os.File, dst string, lim Limits) error {
	var magic [4]byte
	n, _ := io.ReadFull(file, magic[:])
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	root, err := os.OpenRoot(dst)
	if err != nil {
		return err
	}
	defer root.Close()
	x := &extractor{root: root, lim: lim}
	switch {
	case n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		gz, err := gzip.NewReader(bufio.NewReader(file))
		if err != nil {
			return refused("gzip: %v", err)
		}
		gz.Multistream(false)
		return x.tar(gz)
	case n == 4 && bytes.Equal(magic[:], []byte("PK\x03\x04")):
		st, err := file.Stat()
		if err != nil {
			return err
		}
		return x.zip(file, st.Size())
	}
	return refused("not a zip or gzipped tar archive")
}

type extractor struct {
	root  *os.Root
	lim   Limits
	files int
	bytes int64
}

// name checks an entry's name and returns it cleaned, "" for the root.
func (x *extractor) name(raw string) (string, error) {
	if raw == "" || strings.ContainsAny(raw, "\\\x00") {
		return "", refused("entry %q: not a portable path", raw)
	}
	c := path.Clean(raw)
	if path.IsAbs(raw) || c == ".." || strings.HasPrefix(c, "../") {
		return "", refused("entry %q leaves the package", raw)
	}
	for _, el := range strings.Split(c, "/") {
		if strings.EqualFold(el, ".git") {
			return "", refused("entry %q is inside .git", raw)
		}
	}
	if c == "." {
		return "", nil
	}
	return c, nil
}

func (x *extractor) count() error {
	x.files++
	if x.files > x.lim.MaxFiles {
		return refused("more than %d files", x.lim.MaxFiles)
	}
	return nil
}

func (x *extractor) mkdir(name string) error {
	if name == "" {
		return nil
	}
	if err := x.count(); err != nil {
		return err
	}
	return x.root.MkdirAll(name, 0o755)
}

func (x *extractor) write(name string, r io.Reader) error {
	if err := x.count(); err != nil {
		return err
	}
	if dir := path.Dir(name); dir != "." {
		if err := x.root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	f, err := x.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	left := x.lim.MaxBytes - x.bytes
	n, err := io.Copy(f, io.LimitReader(r, left+1))
	x.bytes += n
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > left {
		err = refused("more than %d bytes extracted", x.lim.MaxBytes)
	}
	return err
}

func (x *extractor) tar(r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return refused("tar: %v", err)
		}
		switch h.Typeflag {
		case tar.TypeXGlobalHeader: // git archive's commit ID
			continue
		case tar.TypeDir:
			name, err := x.name(h.Name)
			if err != nil {
				return err
			}
			if err := x.mkdir(name); err != nil {
				return err
			}
		case tar.TypeReg, tar.TypeRegA: //nolint:staticcheck // TypeRegA: old tar writers
			name, err := x.name(h.Name)
			if err != nil {
				return err
			}
			if name == "" {
				return refused("entry %q is not a file name", h.Name)
			}
			if err := x.write(name, tr); err != nil {
				return err
			}
		case tar.TypeSymlink, tar.TypeLink:
			return refused("entry %q is a link (to %q)", h.Name, h.Linkname)
		default:
			return refused("entry %q is not a regular file or directory (type %q)", h.Name, h.Typeflag)
		}
	}
}

func (x *extractor) zip(r io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return refused("zip: %v", err)
	}
	if len(zr.File) > x.lim.MaxFiles {
		return refused("more than %d files", x.lim.MaxFiles)
	}
	for _, f := range zr.File {
		mode := f.Mode()
		name, err := x.name(f.Name)
		if err != nil {
			return err
		}
		switch {
		case mode.IsDir():
			if err := x.mkdir(name); err != nil {
				return err
			}
		case mode.IsRegular():
			if name == "" {
				return refused("entry %q is not a file name", f.Name)
			}
			rc, err := f.Open()
			if err != nil {
				return refused("zip entry %q: %v", f.Name, err)
			}
			err = x.write(name, rc)
			rc.Close()
			if err != nil {
				return err
			}
		case mode&os.ModeSymlink != 0:
			return refused("entry %q is a link", f.Name)
		default:
			return refused("entry %q is not a regular file or directory", f.Name)
		}
	}
	return nil
}
