#!/bin/sh
# Install tfreview from a release, verified against the release's
# checksums.txt (and its cosign signature when cosign is installed).
#
#   curl -sSfL https://raw.githubusercontent.com/tfreview/tfreview/main/scripts/install.sh | sh -s -- -b /usr/local/bin v1.2.3
#
# Usage: install.sh [-b BINDIR] [-d] [VERSION]
#   VERSION  a release tag (v1.2.3) or "latest" (default; or $TFREVIEW_VERSION)
#   -b DIR   where to put the binary (default ./bin; or $TFREVIEW_INSTALL_DIR)
#   -d       log each step
#
# Environment:
#   TFREVIEW_DOWNLOAD_URL  base URL of the releases (default
#       https://github.com/tfreview/tfreview/releases). Files are fetched from
#       $TFREVIEW_DOWNLOAD_URL/download/<tag>/<file>; "latest" is resolved
#       from $TFREVIEW_DOWNLOAD_URL/latest (JSON with "tag_name", as GitHub
#       answers). Point it at a mirror, or at a local server in tests.
#   TFREVIEW_COSIGN  auto (default): when cosign is on PATH, verify the
#       keyless signature of checksums.txt (checksums.txt.sigstore.json, made
#       by the release workflow) before trusting it; 1: require that; 0: skip.
#
# Nothing is installed, and nothing downloaded is run, unless the archive's
# SHA-256 matches its line in checksums.txt. Only the tfreview binary is
# taken from the archive.
set -eu

REPO=tfreview/tfreview
BASE_URL=${TFREVIEW_DOWNLOAD_URL:-https://github.com/$REPO/releases}
BASE_URL=${BASE_URL%/}
VERSION=${TFREVIEW_VERSION:-latest}
BINDIR=${TFREVIEW_INSTALL_DIR:-./bin}
COSIGN_MODE=${TFREVIEW_COSIGN:-auto}
DEBUG=0
# The release workflow's identity, as Sigstore's certificate records it.
COSIGN_IDENTITY_RE="^https://github\\.com/$REPO/\\.github/workflows/release\\.yml@refs/tags/v"
COSIGN_ISSUER=https://token.actions.githubusercontent.com

log() { echo "install.sh: $*" >&2; }
debug() { if [ "$DEBUG" = 1 ]; then log "$@"; fi; }
fail() {
	log "error: $*"
	log "nothing was installed"
	exit 1
}

usage() {
	sed -n '2,/^set -eu/p' "$0" 2>/dev/null | sed -e '/^set -eu/d' -e 's/^# \{0,1\}//' >&2 || true
	exit 2
}

while getopts "b:dh" opt; do
	case "$opt" in
	b) BINDIR=$OPTARG ;;
	d) DEBUG=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -gt 1 ]; then usage; fi
if [ $# = 1 ]; then VERSION=$1; fi

is_tag() {
	printf '%s\n' "$1" | grep -Eq '^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'
}

detect_os() {
	case "$(uname -s)" in
	Linux) echo linux ;;
	Darwin) echo darwin ;;
	MINGW* | MSYS* | CYGWIN* | Windows_NT) echo windows ;;
	*) fail "unsupported operating system $(uname -s) (releases exist for linux, darwin and windows)" ;;
	esac
}

detect_arch() {
	case "$(uname -m)" in
	x86_64 | amd64) echo amd64 ;;
	aarch64 | arm64) echo arm64 ;;
	*) fail "unsupported architecture $(uname -m) (releases exist for amd64 and arm64)" ;;
	esac
}

# fetch URL FILE [ACCEPT]: fails on HTTP errors, follows redirects.
fetch() {
	debug "GET $1"
	if command -v curl >/dev/null 2>&1; then
		# Over HTTPS, redirects may not drop to plain HTTP.
		proto='=https'
		case "$1" in http://*) proto='=http,https' ;; esac
		curl -sSfL --retry 3 --proto "$proto" --proto-redir "$proto" ${3:+-H "Accept: $3"} -o "$2" "$1" || return 1
	elif command -v wget >/dev/null 2>&1; then
		wget -q ${3:+--header "Accept: $3"} -O "$2" "$1" || return 1
	else
		fail "neither curl nor wget is installed"
	fi
}

sha256_of() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | cut -d ' ' -f 1
	elif command -v shasum >/dev/null 2>&1; then
		shasum -a 256 "$1" | cut -d ' ' -f 1
	elif command -v openssl >/dev/null 2>&1; then
		openssl dgst -sha256 "$1" | sed 's/^.*= //'
	else
		fail "no SHA-256 tool (sha256sum, shasum or openssl) to verify the download with"
	fi
}

verify_signature() {
	case "$COSIGN_MODE" in
	0 | false | no) debug "signature check disabled (TFREVIEW_COSIGN=$COSIGN_MODE)"; return 0 ;;
	esac
	if ! command -v cosign >/dev/null 2>&1; then
		if [ "$COSIGN_MODE" = auto ]; then
			debug "cosign not installed: checksums.txt is trusted as served over HTTPS"
			return 0
		fi
		fail "TFREVIEW_COSIGN=$COSIGN_MODE but cosign is not installed"
	fi
	fetch "$BASE_URL/download/$VERSION/checksums.txt.sigstore.json" "$TMP/checksums.txt.sigstore.json" ||
		fail "could not download checksums.txt.sigstore.json for $VERSION (set TFREVIEW_COSIGN=0 to skip the signature check)"
	cosign verify-blob --bundle "$TMP/checksums.txt.sigstore.json" \
		--certificate-identity-regexp "$COSIGN_IDENTITY_RE" \
		--certificate-oidc-issuer "$COSIGN_ISSUER" \
		"$TMP/checksums.txt" >/dev/null 2>&1 ||
		fail "the signature of checksums.txt for $VERSION does not verify (not signed by $REPO's release workflow)"
	log "checksums.txt signature verified (cosign)"
}

OS=$(detect_os)
ARCH=$(detect_arch)
TMP=$(mktemp -d 2>/dev/null || mktemp -d -t tfreview)
trap 'rm -rf "$TMP"' EXIT INT TERM

if [ "$VERSION" = latest ]; then
	fetch "$BASE_URL/latest" "$TMP/latest.json" application/json ||
		fail "could not find the latest release at $BASE_URL/latest"
	VERSION=$(tr -d '\n\r' <"$TMP/latest.json" | sed -n 's/.*"tag_name"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
	debug "latest is $VERSION"
fi
is_tag "$VERSION" || fail "version must be a release tag like v1.2.3 or \"latest\", got \"$VERSION\""

EXE=tfreview
EXT=tar.gz
if [ "$OS" = windows ]; then EXE=tfreview.exe EXT=zip; fi
# The names .goreleaser.yaml gives (the version without its "v").
ARCHIVE="tfreview_${VERSION#v}_${OS}_${ARCH}.$EXT"

log "installing tfreview $VERSION ($OS/$ARCH) into $BINDIR"
fetch "$BASE_URL/download/$VERSION/checksums.txt" "$TMP/checksums.txt" ||
	fail "could not download checksums.txt for $VERSION from $BASE_URL/download/$VERSION/"
verify_signature
fetch "$BASE_URL/download/$VERSION/$ARCHIVE" "$TMP/$ARCHIVE" ||
	fail "could not download $ARCHIVE from $BASE_URL/download/$VERSION/ (no release for $OS/$ARCH?)"

want=$(awk -v f="$ARCHIVE" '$2 == f || $2 == "*" f { print $1 }' "$TMP/checksums.txt")
case "$want" in
"") fail "checksums.txt has no entry for $ARCHIVE" ;;
*[!0-9a-f]* | *"
"*) fail "checksums.txt has a malformed or repeated entry for $ARCHIVE" ;;
esac
[ ${#want} = 64 ] || fail "checksums.txt has a malformed entry for $ARCHIVE"
got=$(sha256_of "$TMP/$ARCHIVE")
[ "$got" = "$want" ] ||
	fail "checksum mismatch for $ARCHIVE: checksums.txt says $want, the download is $got"
debug "sha256 $got matches checksums.txt"

mkdir "$TMP/x"
if [ "$EXT" = zip ]; then
	command -v unzip >/dev/null 2>&1 || fail "unzip is needed to extract $ARCHIVE"
	unzip -q "$TMP/$ARCHIVE" "$EXE" -d "$TMP/x" || fail "$ARCHIVE has no $EXE"
else
	tar -xzf "$TMP/$ARCHIVE" -C "$TMP/x" "$EXE" || fail "$ARCHIVE has no $EXE"
fi
# A link in the archive would install something other than what was hashed.
if [ -h "$TMP/x/$EXE" ] || [ ! -f "$TMP/x/$EXE" ]; then
	fail "$EXE in $ARCHIVE is not a regular file"
fi

mkdir -p "$BINDIR" || fail "cannot create $BINDIR"
# Copy next to the target and rename, so a running tfreview is never
# half-overwritten.
cp "$TMP/x/$EXE" "$BINDIR/.$EXE.tmp.$$" || fail "cannot write to $BINDIR"
chmod 0755 "$BINDIR/.$EXE.tmp.$$"
mv -f "$BINDIR/.$EXE.tmp.$$" "$BINDIR/$EXE" || {
	rm -f "$BINDIR/.$EXE.tmp.$$"
	fail "cannot write $BINDIR/$EXE"
}
log "installed $BINDIR/$EXE ($VERSION, sha256 $got)"
