#!/usr/bin/env bash
# Tests .pre-commit-hooks.yaml for real with pre-commit: in a temporary git
# repository, an insecure staged Terraform file must fail the hook and show
# the finding; a clean staged change must pass.
#
# What `pre-commit try-repo` does, but with one hook store for the three
# runs: try-repo installs the hook (`go install ./...`, a full build) into a
# new store each time.
#
# Usage: scripts/test-pre-commit.sh   (needs git, go and pre-commit)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
command -v pre-commit >/dev/null || { echo "pre-commit is not installed (apt-get install pre-commit)" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export PRE_COMMIT_HOME="$work/cache"
# pre-commit installs golang hooks with GOPATH in its cache; keep using the
# module cache and build cache we already have (no network needed).
GOMODCACHE="$(go env GOMODCACHE)"
export GOMODCACHE
# -trimpath: the hook is built in pre-commit's clone, and without it every
# package would be compiled again for the new directory (the build cache
# keys on the source path). -ldflags=-w: no debug information, which saves
# a third of the link (the build cache does not keep installed binaries).
export GOFLAGS="${GOFLAGS:--buildvcs=false -trimpath -ldflags=-w}"

# The hook repository: this checkout at HEAD, or, with uncommitted changes,
# a clone with them committed (as try-repo does: tracked and staged files).
hook_repo="$root"
hook_rev="$(git -C "$root" rev-parse HEAD)"
if ! git -C "$root" diff --quiet --no-ext-diff HEAD; then
  hook_repo="$work/shadow-repo"
  git clone -q "$root" "$hook_repo"
  git -C "$hook_repo" checkout -q "$hook_rev" -b _tfreview_tmp
  shadow_env=(GIT_INDEX_FILE="$(git -C "$hook_repo" rev-parse --path-format=absolute --git-path index)"
    GIT_OBJECT_DIRECTORY="$(git -C "$hook_repo" rev-parse --path-format=absolute --git-path objects)")
  git -C "$root" diff --cached --name-only -z | (cd "$root" && env "${shadow_env[@]}" xargs -0 -r git add --)
  (cd "$root" && env "${shadow_env[@]}" git add -u)
  git -C "$hook_repo" -c user.name=test -c user.email=test@example.com commit -q --no-edit --no-gpg-sign -n -m snapshot
  hook_rev="$(git -C "$hook_repo" rev-parse HEAD)"
fi
config="$work/pre-commit-config.yaml"
cat > "$config" <<YAML
repos:
  - repo: $hook_repo
    rev: $hook_rev
    hooks:
      - id: tfreview
YAML

repo="$work/repo"
mkdir -p "$repo/infra"
cd "$repo"
git init -q -b main
git config user.email test@example.com
git config user.name test
git config commit.gpgsign false
cp "$root/testdata/clean/main.tf" infra/main.tf
git add -A
git commit -qm "clean base"

# 1. An insecure change is staged: the hook fails and names the finding.
cat > infra/bucket.tf <<'TF'
resource "aws_s3_bucket" "public" {
  bucket = "public-bucket"
}

resource "aws_s3_bucket_acl" "public" {
  bucket = aws_s3_bucket.public.id
  acl    = "public-read"
}
TF
git add infra/bucket.tf
set +e
out="$(pre-commit run --config "$config" --verbose 2>&1)"
code=$?
set -e
echo "$out"
if [ "$code" -eq 0 ]; then
  echo "FAIL: the hook passed on an insecure staged file" >&2
  exit 1
fi
if ! grep -q "infra/bucket.tf:[0-9]*: HIGH" <<<"$out"; then
  echo "FAIL: the hook output does not show the HIGH finding in infra/bucket.tf" >&2
  exit 1
fi

# 2. The insecure file is dropped and a clean change is staged: it passes.
git rm -q --cached infra/bucket.tf
rm infra/bucket.tf
printf '\n# reviewed\n' >> infra/main.tf
git add infra/main.tf
set +e
out="$(pre-commit run --config "$config" --verbose 2>&1)"
code=$?
set -e
echo "$out"
if [ "$code" -ne 0 ]; then
  echo "FAIL: the hook failed on a clean staged change" >&2
  exit 1
fi
# 3. A staged file named like a flag stays a file: pre-commit appends file
# names with no "--" of its own, and the entry's "--" must keep
# --checks-bundle=evil.tf from replacing the embedded checks with evil.tf/.
mkdir evil.tf
cat > evil.tf/evil.rego <<'REGO'
# METADATA
# title: evil
# custom:
#   id: AWS-9904
#   provider: aws
#   service: s3
#   severity: LOW
#   input:
#     selector:
#       - type: cloud
package builtin.aws.s3.evil

import rego.v1

deny contains res if {
	some b in input.aws.s3.buckets
	res := result.new("EVIL-BUNDLE-LOADED", b)
}
REGO
cat > ./--checks-bundle=evil.tf <<'TF'
resource "aws_s3_bucket" "public" {
  bucket = "public-bucket"
}

resource "aws_s3_bucket_acl" "public" {
  bucket = aws_s3_bucket.public.id
  acl    = "public-read"
}
TF
git add -- ./--checks-bundle=evil.tf
set +e
out="$(pre-commit run --config "$config" --verbose 2>&1)"
code=$?
set -e
echo "$out"
if grep -q "EVIL-BUNDLE-LOADED" <<<"$out"; then
  echo "FAIL: a staged file name was taken for --checks-bundle" >&2
  exit 1
fi
if [ "$code" -eq 0 ] || ! grep -q -- "--checks-bundle=evil.tf:[0-9]*: HIGH" <<<"$out"; then
  echo "FAIL: the file named --checks-bundle=evil.tf was not scanned with the embedded checks" >&2
  exit 1
fi
echo "OK: pre-commit hook fails on the insecure change, passes on the clean one, and takes a file named like a flag as a file"
