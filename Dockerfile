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
# The GitHub Action (action.yml) builds the same binary with the same
# command on the runner instead, because Docker actions must run as root.

ARG GO_VERSION=1.26
ARG ALPINE_VERSION=3.22

FROM golang:${GO_VERSION}-alpine AS build
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

FROM alpine:${ALPINE_VERSION}
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
