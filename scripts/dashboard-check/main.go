// dashboard-check: strict unmarshal of Grafana dashboard JSON with Grafana's
// own types (the foundation SDK, generated from Grafana's schemas), so a field
// Grafana does not know, a wrong type or a missing required field fails CI
// instead of being dropped silently at import.
//
//	dashboard-check FILE...    exit 0 when every file passes, 1 with the problems
//
// test/integration/dashboard-schema.test.ts builds it (scripts/dashboard-check/build.sh)
// into ~/.cache/kube-havoc/ and runs it on the shipped dashboard.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dashboard-check FILE...")
		os.Exit(2)
	}
	// Panel options and queries are checked by their plugin's types (stat, table, prometheus, ...).
	plugins.RegisterDefaultPlugins()
	failed := false
	for _, file := range os.Args[1:] {
		raw, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
			failed = true
			continue
		}
		var board dashboard.Dashboard
		if err := strict(&board, raw); err != nil {
			fmt.Fprintf(os.Stderr, "%s: not a dashboard Grafana's schema accepts:\n%v\n", file, err)
			failed = true
			continue
		}
		fmt.Printf("%s: ok (%d panels)\n", file, len(board.Panels))
	}
	if failed {
		os.Exit(1)
	}
}

// strict is Dashboard.UnmarshalJSONStrict, minus its one quirk: with no problem it
// returns an empty cog.BuildErrors as a non-nil error.
func strict(board *dashboard.Dashboard, raw []byte) error {
	err := board.UnmarshalJSONStrict(raw)
	var problems cog.BuildErrors
	if errors.As(err, &problems) && len(problems) == 0 {
		return nil
	}
	return err
}
