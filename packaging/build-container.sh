#!/bin/sh
# Builds the container image from a release tarball:
#   packaging/build-container.sh release/spreed-ts-signaling-VERSION.tar.gz [IMAGE]
# Environment: BASE_IMAGE (default docker.io/library/debian:bookworm-slim; any Debian 12 image),
# NODE (default: the `node` on PATH; must be Node 20 for linux-x64 with glibc), PODMAN (podman).
# The image gets that Node binary: Debian 12's nodejs package is Node 18, and the build needs no
# network (no RUN step).
set -eu
tarball=${1:?usage: build-container.sh RELEASE_TARBALL [IMAGE]}
image=${2:-spreed-ts-signaling}
base=${BASE_IMAGE:-docker.io/library/debian:bookworm-slim}
node=$(command -v "${NODE:-node}")
podman=${PODMAN:-podman}

version=$(basename "$tarball" .tar.gz)
version=${version#spreed-ts-signaling-}
case "$("$node" --version)" in
  v20.*) ;;
  *) echo "build-container.sh: $node is $("$node" --version), not Node 20" >&2; exit 1 ;;
esac

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$(dirname "$0")/Containerfile" "$context/Containerfile"
cp "$tarball" "$context/"
cp "$(readlink -f "$node")" "$context/node"
"$podman" build --quiet --build-arg "VERSION=$version" --build-arg "BASE_IMAGE=$base" \
  -f "$context/Containerfile" -t "$image" "$context"
