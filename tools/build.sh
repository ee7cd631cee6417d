#!/usr/bin/env bash
# Builds the engine tier's binaries from Go modules (through the module proxy) into
# $NEXTJS_INFRA_TOOLS/bin (default ~/.cache/nextjs-infra/tools/bin), outside the repo.
# Each binary is rebuilt only when its wrapper module (go.mod, go.sum), its build flags
# or this script change. Prints how long each build took. A cold build takes tens of minutes on 2 cores.
set -euo pipefail
self=$(realpath "$0")
cd "$(dirname "$self")"
out="${NEXTJS_INFRA_TOOLS:-$HOME/.cache/nextjs-infra/tools}"
mkdir -p "$out/bin"

# The CLI version CI installs too (.pulumi-version): one pin for both.
PULUMI_VERSION=v$(tr -d "[:space:]" < ../.pulumi-version)
# The provider module is served only at the pseudo-version kubernetes/go.mod requires
# (pulumi-kubernetes of Jan 2026, sdk v4.24); it is stamped with the npm SDK's version so the
# engine pairs them. The version comes from the lockfile, so this can run before `npm ci`
# (CI starts it first).
K8S_PROVIDER_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
K8S_PROVIDER_VERSION=$(node -p 'require("../package-lock.json").packages["node_modules/@pulumi/kubernetes"].version')
KUBE_VERSION=v1.34.2

# No symbol table or DWARF: smaller binaries, and the linker's slowest part skipped.
strip="-s -w"

build() { # build <binary> <module dir> <go build args...>
  local name=$1 dir=$2
  shift 2
  local stamp
  stamp=$( (cat "$dir/go.mod" "$dir/go.sum" "$self"; printf '%s' "$*") | sha256sum | cut -c1-16)
  if [[ -x "$out/bin/$name" && "$(cat "$out/bin/$name.stamp" 2>/dev/null)" == "$stamp" ]]; then
    echo "$name: up to date"
    return
  fi
  local start=$SECONDS
  (cd "$dir" && go build -trimpath -o "$out/bin/$name" "$@")
  echo "$stamp" >"$out/bin/$name.stamp"
  echo "$name: built in $((SECONDS - start))s"
}

build pulumi pulumi -ldflags "$strip -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

kube_ldflags="$strip -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=34 -X k8s.io/component-base/version.gitTreeState=clean"
build kube-apiserver kubernetes -ldflags "$kube_ldflags" k8s.io/kubernetes/cmd/kube-apiserver

# The provider is built in the Kubernetes module, against the same k8s.io versions, so the
# packages the two share (client-go and the rest of k8s.io) compile once: a quarter of the
# provider's cold build. Its own main embeds generated copies of these; take them from the
# module, at the version go.mod requires.
module_dir=$(cd kubernetes && go mod download -json "$K8S_PROVIDER_MODULE" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')
install -m 644 "$module_dir/cmd/pulumi-resource-kubernetes/schema.json" "$module_dir/cmd/pulumi-resource-kubernetes/terraform-mapping.json" kubernetes/provider/
build pulumi-resource-kubernetes kubernetes -ldflags "$strip -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_PROVIDER_VERSION" ./provider

build kube-controller-manager kubernetes -ldflags "$kube_ldflags" k8s.io/kubernetes/cmd/kube-controller-manager
build kine kine -ldflags "$strip" github.com/k3s-io/kine
# The node: the scheduler, kubelet and kube-proxy (same module), cluster DNS and a registry on loopback.
build kube-scheduler kubernetes -ldflags "$kube_ldflags" k8s.io/kubernetes/cmd/kube-scheduler
build kubelet kubernetes -ldflags "$kube_ldflags" k8s.io/kubernetes/cmd/kubelet
build kube-proxy kubernetes -ldflags "$kube_ldflags" k8s.io/kubernetes/cmd/kube-proxy
# CoreDNS with only the plugins the node's Corefile uses (tools/coredns/main.go).
build coredns coredns -ldflags "$strip" .
build registry registry -ldflags "$strip" github.com/distribution/distribution/v3/cmd/registry
# The node's NetworkPolicy engine, firewall only (iptables and ipset; the kernel here has no nft queue).
build kube-router kube-router -ldflags "$strip" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router
# Static: it runs alone in an otherwise empty image.
CGO_ENABLED=0 build pause pause -ldflags "$strip" .
