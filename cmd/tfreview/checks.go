package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/rules"
	"github.com/tfreview/tfreview/scanner"
)

func newChecksCmd(stdout io.Writer) *cobra.Command {
	var format, bundle, custom string
	cmd := &cobra.Command{
		Use:   "checks",
		Short: "List every check of both engines",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			all, err := scanner.AllChecksWith(bundle, custom)
			if err != nil {
				return withCode(exitError, err)
			}
			// Each fixable check says which --fix-class applies its fixes;
			// each Kubernetes pod check, the Pod Security Standards level
			// (--k8s-pss) whose Trivy spec names it.
			type listed struct {
				finding.RuleInfo
				FixClass string `json:"fix_class,omitempty"`
				PSS      string `json:"pss,omitempty"`
			}
			out := make([]listed, len(all))
			for i, c := range all {
				out[i].RuleInfo = c
				if c.Fixable {
					out[i].FixClass = rules.FixClass(c.ID)
				}
				if c.Provider == "kubernetes" {
					out[i].PSS = scanner.KubernetesPSSLevel(c.ID)
				}
			}
			switch format {
			case "json":
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			case "text":
				tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tENGINE\tSEVERITY\tPROVIDER/SERVICE\tPSS\tFIX\tTITLE\tALIASES")
				for _, c := range out {
					ps := c.Provider
					if c.Service != "" {
						ps += "/" + c.Service
					}
					aliases := ""
					for i, a := range c.Aliases {
						if i > 0 {
							aliases += ","
						}
						aliases += a
					}
					fix := c.FixClass
					if fix == "" {
						fix = "-"
					}
					pss := cmp.Or(c.PSS, "-")
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Engine, c.Severity, ps, pss, fix, c.Title, aliases)
				}
				return tw.Flush()
			}
			return withCode(exitError, fmt.Errorf("unknown --format %q (want text or json)", format))
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().StringVar(&custom, "custom-checks", "", "directory of custom Rego checks to list with the others")
	cmd.Flags().StringVar(&bundle, "checks-bundle", "", "directory of a newer Trivy checks bundle to list instead of the embedded checks")
	return cmd
}
