#!/usr/bin/env bash
# Builds the project's Dockerfile with buildah, offline from Docker Hub: the stand-in base
# (make-node-base.sh, once per machine) stands in for node:22-slim.
# Usage: build-image.sh IMAGE [OCI_ARCHIVE]   (run as root from anywhere)
#   IMAGE        name to tag, e.g. localhost/aigw-edge:test
#   OCI_ARCHIVE  if given, the image is also written there as an oci-archive (gzip layers),
#                whose file size is the image's compressed size.
set -euo pipefail
IMAGE=${1:?usage: build-image.sh IMAGE [OCI_ARCHIVE]}
ARCHIVE=${2:-}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export BASE_IMAGE=${BASE_IMAGE:-localhost/aigw-edge-node-standin:22}
# The default "oci" isolation (crun) fails on cgroup-v1/hybrid hosts; chroot works everywhere.
export BUILDAH_ISOLATION=chroot

"$HERE/make-node-base.sh"
# --format docker keeps HEALTHCHECK (the OCI image format has no field for it).
buildah bud --quiet --isolation chroot --pull=never --format docker \
  --build-arg BASE="$BASE_IMAGE" -t "$IMAGE" "$ROOT" >/dev/null
buildah images "$IMAGE"
if [ -n "$ARCHIVE" ]; then
  rm -f "$ARCHIVE"
  buildah push --quiet "$IMAGE" "oci-archive:$ARCHIVE"
  echo "oci-archive: $(stat -c %s "$ARCHIVE") bytes"
fi
