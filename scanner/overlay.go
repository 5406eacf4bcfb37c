package scanner

import (
	"io/fs"
	"path"
	"slices"
	"testing/fstest"
	"time"
)

// overlayFS is the view of the scanned tree that Trivy's evaluator gets:
// the real files, minus those tfreview rejected (too deeply nested to parse
// safely), with small same-length patches where evaluating the original
// would not terminate or would not fit in memory (a module call that closes
// a cycle, a literal count over the limit). Patches keep every byte offset,
// so reported lines and columns stay those of the real file.
type overlayFS struct {
	base    fs.FS
	hidden  map[string]bool
	patched map[string][]byte
}

func newOverlay(base fs.FS) *overlayFS {
	return &overlayFS{base: base, hidden: map[string]bool{}, patched: map[string][]byte{}}
}

func (o *overlayFS) Open(name string) (fs.File, error) {
	if o.hidden[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if data, ok := o.patched[name]; ok {
		return fstest.MapFS{name: &fstest.MapFile{Data: data, Mode: 0o444, ModTime: time.Time{}}}.Open(name)
	}
	return o.base.Open(name)
}

func (o *overlayFS) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(o.base, name)
	if err != nil || len(o.hidden) == 0 {
		return entries, err
	}
	return slices.DeleteFunc(entries, func(e fs.DirEntry) bool { return o.hidden[path.Join(name, e.Name())] }), nil
}

func (o *overlayFS) ReadFile(name string) ([]byte, error) {
	if o.hidden[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if data, ok := o.patched[name]; ok {
		return slices.Clone(data), nil
	}
	return fs.ReadFile(o.base, name)
}

func (o *overlayFS) Stat(name string) (fs.FileInfo, error) {
	if o.hidden[name] {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return fs.Stat(o.base, name)
}

// patch replaces src[start:end] of file with repl, padded with spaces to
// the same length.
func (o *overlayFS) patch(file string, src []byte, start, end int, repl string) {
	data, ok := o.patched[file]
	if !ok {
		data = slices.Clone(src)
	}
	for i := start; i < end; i++ {
		data[i] = ' '
	}
	copy(data[start:end], repl)
	o.patched[file] = data
}
