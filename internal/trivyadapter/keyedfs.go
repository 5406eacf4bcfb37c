package trivyadapter

import (
	"io/fs"
	"strconv"
)

// keyedFS is the filesystem handed to Trivy's parser. Trivy identifies a
// filesystem by printing it with fmt's %s and %#v (types.CreateFSKey, called
// for every source range). On an os.Root filesystem that reflects into the
// root's open-file counter: a data race when root modules are loaded
// concurrently, and a key that changes with the number of files open at
// that moment. keyedFS prints as a fixed name instead, which is also
// cheaper than reflecting over os.Root for every range.
type keyedFS struct {
	fsys fs.FS
	key  string
}

func newKeyedFS(fsys fs.FS, key string) keyedFS { return keyedFS{fsys: fsys, key: key} }

func (k keyedFS) Open(name string) (fs.File, error)          { return k.fsys.Open(name) }
func (k keyedFS) ReadFile(name string) ([]byte, error)       { return fs.ReadFile(k.fsys, name) }
func (k keyedFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(k.fsys, name) }
func (k keyedFS) Stat(name string) (fs.FileInfo, error)      { return fs.Stat(k.fsys, name) }

// String and GoString are what CreateFSKey prints.
func (k keyedFS) String() string   { return k.key }
func (k keyedFS) GoString() string { return "trivyadapter.keyedFS(" + strconv.Quote(k.key) + ")" }
