package trivyadapter

import (
	"io/fs"
	"testing/fstest"

	checks "github.com/aquasecurity/trivy-checks"
)

// metadataLib is the trivy-checks library that finds where in a resource
// a check's result points.
const metadataLib = "lib/cloud/metadata.rego"

// fastMetadata is metadataLib with obj_by_path computing the same answer
// without OPA's walk: the original walks every node of the resource (its
// whole state, for an S3 bucket or an EKS cluster) to keep the paths that
// are contiguous runs of the wanted path (object.subset's meaning for
// arrays), once per result. Those runs are at most (n+1)(n+2)/2 for a path
// of n keys (n is 1 to 4 in the checks), so they are looked up directly
// (object.get walks objects, arrays and sets as walk does; obj is wrapped
// because object.get wants an object at the top).
// It was about an eighth of the evaluation's CPU on the large bench corpus.
// TestFastMetadataMatchesOriginal runs both over the same inputs.
const fastMetadata = `# METADATA
# custom:
#   library: true
package lib.cloud.metadata

import rego.v1

# Returns the object found by the given path
# if child object is not found, returns the last found object
obj_by_path(obj, path) := res if {
	is_array(path)
	n := count(path)
	occurrences := {obj_path: child_object |
		some i in numbers.range(0, n)
		some j in numbers.range(i, n)
		obj_path := array.slice(path, i, j)
		child_object := object.get({"r": obj}, array.concat(["r"], obj_path), {})
		has_metadata(child_object)
	}

	res := occurrences[max(object.keys(occurrences))]
} else := obj

has_metadata(obj) if obj.__defsec_metadata

has_metadata(obj) if {
	obj.fskey
	has_key(obj, "value")
}

has_key(x, k) if _ = x[k]
`

// embeddedChecksFS is trivy-checks' embedded checks with metadataLib
// replaced by fastMetadata; loading metadataLib from it as a check
// directory replaces the embedded library of the same path.
var embeddedChecksFS fs.FS = overlayFS{
	base:  checks.EmbeddedPolicyFileSystem,
	files: fstest.MapFS{metadataLib: {Data: []byte(fastMetadata), Mode: 0o444}},
}

// overlayFS serves files from files, everything else from base.
type overlayFS struct {
	base  fs.FS
	files fstest.MapFS
}

func (o overlayFS) Open(name string) (fs.File, error) {
	if _, ok := o.files[name]; ok {
		return o.files.Open(name)
	}
	return o.base.Open(name)
}
