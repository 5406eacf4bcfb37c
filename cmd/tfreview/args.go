package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// pathArgs returns the PATH arguments of a command that takes file names.
// After "--" (which the pre-commit hook's entry ends with, since pre-commit
// appends staged file names to it) nothing is a flag: a file named
// "--checks-bundle=evil.tf" is a path. An argument there that starts with
// "-" and names no existing path is almost certainly a flag put in the
// wrong place (pre-commit's `args` land after the entry's "--"), so it is
// an error rather than a path that silently matches nothing.
// Paths starting with "-" are returned as "./-..." so that nothing
// downstream can take them for an option either.
func pathArgs(cmd *cobra.Command, args []string) ([]string, error) {
	dash := cmd.ArgsLenAtDash()
	out := make([]string, 0, len(args))
	for i, a := range args {
		if strings.HasPrefix(a, "-") {
			if _, err := os.Lstat(a); err != nil {
				if dash >= 0 && i >= dash {
					return nil, withCode(exitError, fmt.Errorf("%q after --: it is not an existing path, and flags must come before -- (in a pre-commit hook, put them in `entry`, not `args`)", a))
				}
				return nil, withCode(exitError, fmt.Errorf("%q: not an existing path", a))
			}
			a = "./" + a
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		out = []string{"."}
	}
	return out, nil
}
