#!/usr/bin/env bash
# Builds the helm-cascade image from deploy/image/Containerfile, daemonless
# with buildah or podman, or with docker:
#
#   deploy/image/build.sh [--tag IMAGE] [--builder buildah|podman|docker] [--push]
#                         [--platform linux/amd64,linux/arm64] [--build-arg K=V ...]
#   deploy/image/build.sh --context-only DIR     # only lay out the build context
#
# The build context is a scratch folder holding the Containerfile and the npm
# tarball of this checkout (`npm pack`, which compiles src/ to dist/), so the
# image carries exactly the published package. Base images come from
# docker.io (node, golang); Helm's Go modules, Debian and Google's apt
# repository (kubectl, gke-gcloud-auth-plugin) are reached during the build.
set -euo pipefail

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
root=$(CDPATH= cd -- "$here/../.." && pwd)
version=$(node -p "require('$root/package.json').version")
tag="ghcr.io/helm-cascade/helm-cascade:$version"   # what deploy/helm-cascade-drift pulls by default
builder=""
push=0
context_only=""
platform=""
build_args=()

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case $1 in
    --tag) tag=$2; shift 2 ;;
    --builder) builder=$2; shift 2 ;;
    --push) push=1; shift ;;
    --platform) platform=$2; shift 2 ;;
    --build-arg) build_args+=(--build-arg "$2"); shift 2 ;;
    --context-only) context_only=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build.sh: unknown option $1" >&2; usage >&2; exit 4 ;;
  esac
done

if [ -n "$context_only" ]; then
  context=$context_only
  mkdir -p "$context"
else
  context=$(mktemp -d "${TMPDIR:-/tmp}/helm-cascade-image.XXXXXX")
  trap 'rm -rf "$context"' EXIT
fi

# the build context: the Containerfile and the npm tarball, nothing else
cp "$here/Containerfile" "$context/Containerfile"
tgz=$(cd "$root" && npm pack --silent --pack-destination "$context")
[ "$tgz" = "helm-cascade-$version.tgz" ] || { echo "build.sh: npm pack made $tgz, expected helm-cascade-$version.tgz" >&2; exit 1; }
build_args+=(--build-arg "HELM_CASCADE_VERSION=$version")

if [ -n "$context_only" ]; then
  echo "$context: Containerfile, $tgz"
  exit 0
fi

if [ -z "$builder" ]; then
  for b in buildah podman docker; do
    if command -v "$b" >/dev/null 2>&1; then builder=$b; break; fi
  done
fi
[ -n "$builder" ] || { echo "build.sh: no image builder found: install buildah or podman (daemonless), or docker" >&2; exit 1; }

set -x
case $builder in
  buildah) buildah build --layers ${platform:+--platform "$platform"} "${build_args[@]}" -f "$context/Containerfile" -t "$tag" "$context" ;;
  podman) podman build ${platform:+--platform "$platform"} "${build_args[@]}" -f "$context/Containerfile" -t "$tag" "$context" ;;
  docker) docker build ${platform:+--platform "$platform"} "${build_args[@]}" -f "$context/Containerfile" -t "$tag" "$context" ;;
  *) echo "build.sh: unknown builder $builder" >&2; exit 4 ;;
esac
if [ "$push" = 1 ]; then
  case $builder in
    buildah) buildah push "$tag" ;;
    podman) podman push "$tag" ;;
    docker) docker push "$tag" ;;
  esac
fi
