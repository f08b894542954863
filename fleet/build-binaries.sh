#!/usr/bin/env bash
# Builds the local fleet's control-plane binaries from the Go module proxy:
# kube-apiserver, kube-controller-manager, kube-scheduler (version-stamped),
# etcd and kwok. Cached by version under $HELM_CASCADE_CACHE (outside git);
# a binary already in the cache is never rebuilt.
set -euo pipefail

KUBE_VERSION=${KUBE_VERSION:-v1.36.3}
ETCD_VERSION=${ETCD_VERSION:-v3.5.21}
KWOK_VERSION=${KWOK_VERSION:-v0.8.0}
CACHE=${HELM_CASCADE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/helm-cascade}
export GOFLAGS=-mod=mod
export CGO_ENABLED=0

log() { printf '[fleet build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

kube_dir=$CACHE/kube-$KUBE_VERSION
etcd_dir=$CACHE/etcd-$ETCD_VERSION
kwok_dir=$CACHE/kwok-$KWOK_VERSION

build_kwok() {
  [ -x "$kwok_dir/kwok" ] && return 0
  log "building kwok $KWOK_VERSION"
  mkdir -p "$kwok_dir"
  GOBIN="$kwok_dir" go install "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
}

build_etcd() {
  [ -x "$etcd_dir/etcd" ] && return 0
  log "building etcd $ETCD_VERSION"
  local src=$CACHE/src/etcd-$ETCD_VERSION
  mkdir -p "$src" "$etcd_dir"
  cat >"$src/go.mod" <<GOMOD
module helmcascade.local/etcdbuild

go 1.23

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
GOMOD
  (cd "$src" && go build -trimpath -ldflags '-s -w' -o "$etcd_dir/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv "$etcd_dir/etcd.tmp" "$etcd_dir/etcd"
}

build_kube() {
  if [ -x "$kube_dir/kube-apiserver" ] && [ -x "$kube_dir/kube-controller-manager" ] && [ -x "$kube_dir/kube-scheduler" ]; then
    return 0
  fi
  log "building kube-apiserver, kube-controller-manager, kube-scheduler $KUBE_VERSION (cold: 10-25 minutes on 2 cores)"
  local staging_version=v0.${KUBE_VERSION#v1.}
  local src=$CACHE/src/kube-$KUBE_VERSION
  mkdir -p "$src" "$kube_dir"
  # The staging modules (k8s.io/api, client-go, ...) are replaced by relative
  # paths in kubernetes' own go.mod; a wrapper module repeats each replace with
  # the published version. The list and the godebug line come from that go.mod.
  local upstream
  upstream=$(cd "$src" && GOFLAGS= go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [ -f "$upstream" ] || { log "cannot download k8s.io/kubernetes@$KUBE_VERSION from the Go module proxy"; exit 1; }
  local staging
  staging=$(sed -n 's#^[[:space:]]*k8s.io/\([a-z0-9-]*\) => ./staging/src/k8s.io/.*#\1#p' "$upstream")
  {
    echo "module helmcascade.local/kubebuild"
    echo
    grep -E '^go [0-9]' "$upstream"
    grep -E '^godebug ' "$upstream" || true
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    echo "replace ("
    for m in $staging; do
      echo "	k8s.io/$m => k8s.io/$m $staging_version"
    done
    echo ")"
  } >"$src/go.mod"
  local minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
  local date; date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ld="$ld -X $p.gitCommit=0000000000000000000000000000000000000000 -X $p.gitTreeState=clean -X $p.buildDate=$date"
  done
  local out=$kube_dir/.tmp
  mkdir -p "$out"
  (cd "$src" && go build -trimpath -ldflags "$ld" -o "$out/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler)
  mv "$out"/kube-* "$kube_dir/"
  rmdir "$out"
}

case "${1:-all}" in
  kwok) build_kwok ;;
  etcd) build_etcd ;;
  kube) build_kube ;;
  all) build_kwok; build_etcd; build_kube ;;
  paths) ;;
  *) echo "usage: $0 [all|kwok|etcd|kube|paths]" >&2; exit 2 ;;
esac
printf 'KUBE_BIN_DIR=%s\nETCD_BIN=%s\nKWOK_BIN=%s\n' "$kube_dir" "$etcd_dir/etcd" "$kwok_dir/kwok"
