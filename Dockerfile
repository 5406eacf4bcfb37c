# syntax=docker/dockerfile:1
#
# tfreview as a container, for CI systems other than GitHub Actions and for
# laptops:
#
#   docker build -t tfreview .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/work" tfreview scan .
#
# Running as your own uid keeps git happy with the mounted repository (no
# "dubious ownership", no safe.directory override) for --reporter local.
#
# Releases publish the same image, built from the release binaries
# (Dockerfile.release), as ghcr.io/tfreview/tfreview:v1. The GitHub Action
# (action.yml) installs the release binary on the runner instead, because
# Docker actions must run as root.
#
# Base images are pinned by digest (multi-arch index), so a rebuild gets the
# same bases until someone bumps them on purpose. To bump, look the digest
# up and replace both the tag and the digest:
#
#   docker buildx imagetools inspect golang:1.26-alpine   # "Digest:" line
#   docker buildx imagetools inspect alpine:3.22
#   crane digest golang:1.26-alpine                       # same, with crane
#
# The build stage's Go must be at least go.mod's go line (the golang images
# set GOTOOLCHAIN=local). Dockerfile.release pins the same alpine digest.
# These digests were copied from published pins of the same tags (golang
# 1.26.8 on alpine 3.24, alpine 3.22), not looked up from a registry: re-run
# the commands above before the first release.

FROM golang:1.26.8-alpine3.24@sha256:8ac98ca534ac3f51e1f420a1dd2c15e74c75cfa0f23f3ad27eb5d7236c349a0c AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# The build command CI uses (.ci/run, README); LDFLAGS is empty unless a
# release sets -X main.version=...
ARG LDFLAGS=""
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="${LDFLAGS}" -o /tfreview ./cmd/tfreview \
 && /tfreview version

FROM alpine:3.22@sha256:14358309a308569c32bdc37e2e0e9694be33a9d99e68afb0f5ff33cc1f695dce
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="tfreview" \
      org.opencontainers.image.description="Find security misconfigurations in Terraform and report them where reviewers work" \
      org.opencontainers.image.source="https://github.com/tfreview/tfreview" \
      org.opencontainers.image.url="https://github.com/tfreview/tfreview" \
      org.opencontainers.image.documentation="https://github.com/tfreview/tfreview#readme" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# git: the local reporter diffs against the merge-base; ca-certificates: the
# GitHub API and --download-modules.
RUN apk add --no-cache git ca-certificates \
 && addgroup -S -g 10001 tfreview \
 && adduser -S -D -H -u 10001 -G tfreview -h /work tfreview
COPY --from=build /tfreview /usr/local/bin/tfreview
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/tfreview"]
CMD ["scan", "."]
