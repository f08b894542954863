#!/usr/bin/env bash
# Builds the secret backends the tests resolve references against, from the Go
# module proxy: Vault (server and CLI in one binary), sops and age. Cached by
# version under $HELM_CASCADE_CACHE beside the fleet's binaries (outside git);
# a binary already in the cache is never rebuilt. fleet/secret-tools.ts runs
# it under the same flock as fleet/build-binaries.sh.
set -euo pipefail

VAULT_VERSION=${VAULT_VERSION:-v1.21.4}
SOPS_VERSION=${SOPS_VERSION:-v3.13.3}
AGE_VERSION=${AGE_VERSION:-v1.3.2}
CACHE=${HELM_CASCADE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/helm-cascade}
export CGO_ENABLED=0
# age's go.mod asks for a newer toolchain than its `go` line needs: build with the local one
export GOTOOLCHAIN=local

log() { printf '[secret tools build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

vault_dir=$CACHE/vault-$VAULT_VERSION
sops_dir=$CACHE/sops-$SOPS_VERSION
age_dir=$CACHE/age-$AGE_VERSION

build_age() {
  [ -x "$age_dir/age" ] && [ -x "$age_dir/age-keygen" ] && return 0
  log "building age $AGE_VERSION"
  mkdir -p "$age_dir"
  GOFLAGS=-mod=mod GOBIN="$age_dir" go install -trimpath -ldflags "-s -w" "filippo.io/age/cmd/age@$AGE_VERSION" "filippo.io/age/cmd/age-keygen@$AGE_VERSION"
}

build_sops() {
  [ -x "$sops_dir/sops" ] && return 0
  log "building sops $SOPS_VERSION"
  mkdir -p "$sops_dir"
  GOFLAGS=-mod=mod GOBIN="$sops_dir" go install -trimpath -ldflags "-s -w" "github.com/getsops/sops/v3/cmd/sops@$SOPS_VERSION"
}

# Vault's go.mod replaces its api and sdk modules with in-tree folders that the
# module zip does not carry, so `go install` refuses it. Built from a copy of
# the module: the `=> ./` replaces dropped (the published sdk and api it
# requires are used), and the three call sites where v1.21.4's tree is ahead of
# the published sdk adapted. Each edit is checked: a changed source fails here,
# by name, instead of building something else.
build_vault() {
  [ -x "$vault_dir/vault" ] && return 0
  log "building vault $VAULT_VERSION (cold: about 10 minutes on 2 cores)"
  local src=$CACHE/src/vault-$VAULT_VERSION
  local mod
  mod=$(cd /tmp && GOFLAGS= go mod download -json "github.com/hashicorp/vault@$VAULT_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [ -d "$mod" ] || { log "cannot download github.com/hashicorp/vault@$VAULT_VERSION from the Go module proxy"; exit 1; }
  rm -rf "$src"
  mkdir -p "$(dirname "$src")" "$vault_dir"
  cp -r "$mod" "$src"
  chmod -R u+w "$src"
  sed -i '/=> \.\//d' "$src/go.mod"
  patch_vault "$src"
  (cd "$src" && GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$vault_dir/vault.tmp" .)
  mv "$vault_dir/vault.tmp" "$vault_dir/vault"
  rm -rf "$src"
}

# replace FILE OLD NEW: OLD (a fixed string) must occur in FILE.
replace() {
  local file=$1 old=$2 new=$3
  grep -qF -- "$old" "$file" || { log "vault source changed: \"$old\" not found in $file"; exit 1; }
  OLD=$old NEW=$new perl -0pi -e 's/\Q$ENV{OLD}\E/$ENV{NEW}/g' "$file"
}

patch_vault() {
  local src=$1
  # the published sdk's ActivationFunc takes a third string parameter
  replace "$src/vault/identity_store_util.go" \
    'func (i *IdentityStore) activateDeduplication(ctx context.Context, req *logical.Request) error {' \
    'func (i *IdentityStore) activateDeduplication(ctx context.Context, req *logical.Request, _ string) error {'
  replace "$src/vault/logical_system_activation_flags.go" \
    'b.idStoreBackend.ActivationFunc(ctx, nil)' \
    'b.idStoreBackend.ActivationFunc(ctx, nil, "")'
  # the published sdk's RestorePolicy returns only an error (the restored name is the one asked for)
  replace "$src/builtin/logical/transit/path_restore.go" \
    'restoredKeyName, err := b.lm.RestorePolicy(ctx, req.Storage, keyName, backupB64, force)' \
    'restoredKeyName, err := keyName, b.lm.RestorePolicy(ctx, req.Storage, keyName, backupB64, force)'
}

case "${1:-all}" in
  age) build_age ;;
  sops) build_sops ;;
  vault) build_vault ;;
  all) build_age; build_sops; build_vault ;;
  paths) ;;
  *) echo "usage: $0 [all|age|sops|vault|paths]" >&2; exit 2 ;;
esac
printf 'VAULT_BIN=%s\nSOPS_BIN=%s\nAGE_BIN=%s\nAGE_KEYGEN_BIN=%s\n' "$vault_dir/vault" "$sops_dir/sops" "$age_dir/age" "$age_dir/age-keygen"
