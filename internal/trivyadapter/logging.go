package trivyadapter

import (
	"log/slog"
	"sync"

	trivylog "github.com/aquasecurity/trivy/pkg/log"
)

// silenceTrivyDefaultLogger undoes what importing Trivy does to slog's
// default logger. Trivy's log package init replaces it with a handler that
// keeps every record, debug included, until Trivy's own CLI calls
// log.InitLogger. tfreview never does, so each scan left its records in
// memory for the life of the process, appended without a lock when root
// modules are scanned concurrently. Trivy's executor and rego scanner log
// only through that default logger; what tfreview's users need from them
// is reported as notes, and the parser logs to LoadOptions.Logger.
var silenceTrivyDefaultLogger = sync.OnceFunc(func() {
	if _, ok := slog.Default().Handler().(*trivylog.DeferredHandler); ok {
		slog.SetDefault(slog.New(slog.DiscardHandler))
	}
})
