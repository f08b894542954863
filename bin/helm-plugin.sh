#!/bin/sh
# `helm cascade ...`: helm runs this (plugin.yaml) with HELM_PLUGIN_DIR and
# HELM_BIN set. It runs helm-cascade with Node.js and makes it drive the helm
# that invoked it: HELM_BIN is helm's own argv[0] (Helm 3 and Helm 4 alike),
# made absolute here when it is a relative path.
# Node.js >= 22.18 must be installed: on PATH as `node`, or named by
# HELM_CASCADE_NODE.
pkg=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd) || exit 1
node=${HELM_CASCADE_NODE:-node}
if ! command -v "$node" >/dev/null 2>&1; then
  echo "helm cascade: Node.js >= 22.18 is needed to run helm-cascade, and \`$node\` was not found on PATH." >&2
  echo "  Install Node.js 22.18 or later (24 LTS recommended, https://nodejs.org/en/download), or set HELM_CASCADE_NODE=/path/to/node." >&2
  exit 1
fi
case ${HELM_BIN:-} in
  /*|'') ;;
  */*) HELM_BIN=$(pwd)/$HELM_BIN ;;
esac
[ -n "${HELM_BIN:-}" ] && export HELM_BIN
exec "$node" "$pkg/bin/helm-cascade.js" "$@"
