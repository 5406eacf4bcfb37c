package scanner

import (
	"io/fs"
	"path"
	"slices"
	"sort"
	"testing/fstest"
	"time"
)

// overlayFS is the view of the scanned tree that Trivy's evaluator gets:
// the real files, minus those tfreview rejected (too deeply nested to parse
// safely), with small edits where evaluating the original would not
// terminate or would not fit in memory (a module call that closes a cycle,
// a count or for_each over the instance limit). Edits add no line breaks,
// so reported lines stay those of the real file; byte offsets into an
// edited file are mapped back with originalOffset.
type overlayFS struct {
	base    fs.FS
	hidden  map[string]bool
	src     map[string][]byte   // the original bytes of edited files
	edits   map[string][]edit   // in original coordinates, not overlapping
	patched map[string][]byte   // built by seal
	index   map[string][]sealed // built by seal, for originalOffset
	// modules, with --download-modules, serves the fetched modules
	// under each root module's .terraform/modules.
	modules *moduleView
}

// edit replaces src[start:end] with text; start == end inserts.
type edit struct {
	start, end int
	text       string
}

// sealed is an edit with its start in the edited file and the growth of
// the file up to its end.
type sealed struct {
	edit
	at    int // offset of text in the edited file
	delta int // edited offset - original offset after this edit
}

func newOverlay(base fs.FS) *overlayFS {
	return &overlayFS{base: base, hidden: map[string]bool{}, src: map[string][]byte{}, edits: map[string][]edit{}, patched: map[string][]byte{}, index: map[string][]sealed{}}
}

func (o *overlayFS) Open(name string) (fs.File, error) {
	if fsys, rel, ok := o.modules.resolve(name); ok {
		return fsys.Open(rel)
	}
	if o.hidden[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if data, ok := o.patched[name]; ok {
		return fstest.MapFS{name: &fstest.MapFile{Data: data, Mode: 0o444, ModTime: time.Time{}}}.Open(name)
	}
	return o.base.Open(name)
}

func (o *overlayFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if fsys, rel, ok := o.modules.resolve(name); ok {
		return fs.ReadDir(fsys, rel)
	}
	entries, err := fs.ReadDir(o.base, name)
	if err != nil || len(o.hidden) == 0 {
		return entries, err
	}
	return slices.DeleteFunc(entries, func(e fs.DirEntry) bool { return o.hidden[path.Join(name, e.Name())] }), nil
}

func (o *overlayFS) ReadFile(name string) ([]byte, error) {
	if fsys, rel, ok := o.modules.resolve(name); ok {
		return fs.ReadFile(fsys, rel)
	}
	if o.hidden[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if data, ok := o.patched[name]; ok {
		return slices.Clone(data), nil
	}
	return fs.ReadFile(o.base, name)
}

func (o *overlayFS) Stat(name string) (fs.FileInfo, error) {
	if fsys, rel, ok := o.modules.resolve(name); ok {
		return fs.Stat(fsys, rel)
	}
	if o.hidden[name] {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	info, err := fs.Stat(o.base, name)
	if data, ok := o.patched[name]; ok && err == nil {
		return sizedInfo{info, int64(len(data))}, nil
	}
	return info, err
}

type sizedInfo struct {
	fs.FileInfo
	size int64
}

func (s sizedInfo) Size() int64 { return s.size }

// patch replaces src[start:end] of file with repl, padded with spaces to
// the same length.
func (o *overlayFS) patch(file string, src []byte, start, end int, repl string) {
	text := []byte(repl)
	for len(text) < end-start {
		text = append(text, ' ')
	}
	o.edit(file, src, edit{start, end, string(text[:end-start])})
}

// insert adds text before src[at].
func (o *overlayFS) insert(file string, src []byte, at int, text string) {
	o.edit(file, src, edit{at, at, text})
}

func (o *overlayFS) edit(file string, src []byte, e edit) {
	o.src[file] = src
	o.edits[file] = append(o.edits[file], e)
}

// seal applies the edits. It must be called once, after the last edit and
// before the overlay is read, which may then happen concurrently.
func (o *overlayFS) seal() {
	for file, edits := range o.edits {
		sort.SliceStable(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
		src := o.src[file]
		var out []byte
		idx := make([]sealed, 0, len(edits))
		last, delta := 0, 0
		for _, e := range edits {
			if e.start < last {
				continue // overlaps an earlier edit; never produced
			}
			out = append(out, src[last:e.start]...)
			at := len(out)
			out = append(out, e.text...)
			delta += len(e.text) - (e.end - e.start)
			idx = append(idx, sealed{edit: e, at: at, delta: delta})
			last = e.end
		}
		out = append(out, src[last:]...)
		o.patched[file] = out
		o.index[file] = idx
	}
}

// originalOffset maps a byte offset in the overlay's version of file to the
// original file. An offset inside inserted text maps to where it was
// inserted.
func (o *overlayFS) originalOffset(file string, off int) int {
	idx := o.index[file]
	if len(idx) == 0 {
		return off
	}
	// The first edit whose text starts after off.
	i := sort.Search(len(idx), func(i int) bool { return idx[i].at > off })
	if i == 0 {
		return off
	}
	e := idx[i-1]
	if off < e.at+len(e.text) {
		return e.start + min(off-e.at, e.end-e.start)
	}
	return off - e.delta
}
