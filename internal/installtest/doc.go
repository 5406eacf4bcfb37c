// Package installtest tests how tfreview reaches users: scripts/install.sh
// and action.yml's install step against releases served from a local HTTP
// server (archives built here and, with TFREVIEW_DIST_DIR, goreleaser's own
// snapshot output), good and tampered; and the promises .goreleaser.yaml,
// the Dockerfiles and .pre-commit-hooks.yaml make to those installers.
package installtest
