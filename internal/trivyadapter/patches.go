package trivyadapter

import (
	"log/slog"
	"sync"

	"github.com/aquasecurity/trivy/pkg/iac/rego"
	trivylog "github.com/aquasecurity/trivy/pkg/log"
)

// patchTrivy is the one place tfreview changes Trivy's process-wide state,
// once per process, before Trivy is first used (LoadRoot, NewEngine). Each
// patch undoes something Trivy's CLI sets up for itself that a library
// user does not want; both are checked by tests in this package.
//
//   - slog's default logger: Trivy's log package init replaces it with a
//     handler that keeps every record, debug included, until Trivy's own
//     CLI calls log.InitLogger. tfreview never does, so each scan left its
//     records in memory for the life of the process, appended without a
//     lock when root modules are scanned concurrently. Trivy's executor and
//     rego scanner log only through that default logger; what tfreview's
//     users need from them is reported as notes, and the parser logs to
//     LoadOptions.Logger. It is replaced by a discarding logger.
//   - rego.LoadAndRegister: rego.NewScanner parses and compiles every
//     embedded check a second time, once per process, to fill Trivy's
//     global rules registry. Nothing on tfreview's path reads that
//     registry: results carry the metadata of the check that produced
//     them, and the checks listing parses the checks itself. It was a
//     third of the start-up cost of every scan. It becomes a no-op.
var patchTrivy = sync.OnceFunc(func() {
	if _, ok := slog.Default().Handler().(*trivylog.DeferredHandler); ok {
		slog.SetDefault(slog.New(slog.DiscardHandler))
	}
	rego.LoadAndRegister = func() {}
})
