#!/usr/bin/env bash
# Builds helmfile (the reference the import tests compare with: `helmfile
# template`) from the Go module proxy into the cache, keyed by version, like
# the fleet's binaries. helmfile's go.mod replaces three k8s.io modules, which
# `go install` refuses; a wrapper module repeats the replaces (read from that
# go.mod). Prints HELMFILE_BIN=<path>. Run it under flock (helmfile-binary.ts).
set -euo pipefail

HELMFILE_VERSION=${HELMFILE_VERSION:-v1.8.0}
CACHE=${HELM_CASCADE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/helm-cascade}
out=$CACHE/helmfile-$HELMFILE_VERSION/helmfile
if [ ! -x "$out" ]; then
  src=$CACHE/src/helmfile-$HELMFILE_VERSION
  mkdir -p "$src" "$(dirname "$out")"
  gomod=$(cd "$src" && GOFLAGS= go mod download -json "github.com/helmfile/helmfile@$HELMFILE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [ -f "$gomod" ] || { echo "cannot download github.com/helmfile/helmfile@$HELMFILE_VERSION" >&2; exit 1; }
  {
    echo "module helmcascade.local/helmfilebuild"
    echo
    grep -E '^go [0-9]' "$gomod"
    echo
    echo "require github.com/helmfile/helmfile $HELMFILE_VERSION"
    echo
    sed -n '/^replace (/,/^)/p' "$gomod"
  } >"$src/go.mod"
  echo "[helmfile build] go build github.com/helmfile/helmfile@$HELMFILE_VERSION (cold: 10-30 minutes on 2 cores)" >&2
  (cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X go.szostok.io/version.version=$HELMFILE_VERSION" -o "$out.tmp" github.com/helmfile/helmfile)
  mv "$out.tmp" "$out"
fi
echo "HELMFILE_BIN=$out"
