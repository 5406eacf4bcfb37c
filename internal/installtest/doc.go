// Package installtest tests scripts/install.sh, the installer the GitHub
// Action and users run, against releases served from a local HTTP server:
// archives built here (and, with TFREVIEW_DIST_DIR, goreleaser's own
// snapshot output), good and tampered.
package installtest
