// Command parseonly is the benchmark's lower bound: it reads and
// HCL-parses every Terraform and tfvars file below a directory, the way
// tfreview finds them (hidden directories skipped), and does nothing else.
// Files are parsed on GOMAXPROCS goroutines, so its wall time is the floor
// for any scanner that must at least read and parse the same bytes on this
// machine.
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
)

func main() {
	workers := flag.Int("j", runtime.GOMAXPROCS(0), "files parsed at once")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: parseonly [-j N] DIR")
		os.Exit(2)
	}
	root := flag.Arg(0)

	paths := make(chan string, 256)
	var files, bytes, blocks, errs atomic.Int64
	var wg sync.WaitGroup
	for range max(*workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range paths {
				src, err := os.ReadFile(p)
				if err != nil {
					errs.Add(1)
					continue
				}
				var f *hcl.File
				var diags hcl.Diagnostics
				if strings.HasSuffix(p, ".json") {
					f, diags = hcljson.Parse(src, p)
				} else {
					f, diags = hclsyntax.ParseConfig(src, p, hcl.InitialPos)
				}
				if diags.HasErrors() {
					errs.Add(1)
				}
				if f == nil {
					continue
				}
				if body, ok := f.Body.(*hclsyntax.Body); ok {
					blocks.Add(int64(len(body.Blocks)))
				}
				files.Add(1)
				bytes.Add(int64(len(src)))
			}
		}()
	}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		n := d.Name()
		if strings.HasSuffix(n, ".tf") || strings.HasSuffix(n, ".tf.json") || strings.HasSuffix(n, ".tfvars") || strings.HasSuffix(n, ".tfvars.json") {
			paths <- p
		}
		return nil
	})
	close(paths)
	wg.Wait()
	if err != nil {
		fmt.Fprintln(os.Stderr, "parseonly:", err)
		os.Exit(1)
	}
	fmt.Printf("files=%d bytes=%d top_level_blocks=%d parse_errors=%d\n", files.Load(), bytes.Load(), blocks.Load(), errs.Load())
}
