#!/usr/bin/env bash
# A Kubernetes cluster on this machine for the engine tier: kine (etcd API over SQLite),
# kube-apiserver and kube-controller-manager on loopback, and a real node (node.sh:
# containerd, kubelet, kube-proxy, CoreDNS, the scheduler, a registry on localhost:5001).
#
#   cluster.sh start <dir> [--control-plane]   starts everything (or only kine, the API server and
#                                              the controller manager), waits for /readyz and a
#                                              Ready node, writes <dir>/kubeconfig
#   cluster.sh stop <dir>                      stops what start started (by PID) and cleans up after the node
#
# AUTHENTICATION_CONFIG, when set, is the API server's --authentication-config (JWT
# authenticators, e.g. the preview identities' OIDC issuer).
# Binaries come from NEXTJS_INFRA_TOOLS/bin (built by tools/build.sh).
set -euo pipefail

action=${1:?usage: cluster.sh start|stop <dir> [--control-plane]}
dir=${2:?usage: cluster.sh start|stop <dir> [--control-plane]}
control_plane_only=${3:-}
bin="${NEXTJS_INFRA_TOOLS:-$HOME/.cache/nextjs-infra/tools}/bin"
source "$(dirname "$(realpath "$0")")/../processes.sh"

free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}

stop() {
  bash "$(dirname "$(realpath "$0")")/node.sh" stop "$dir/node" || true
  # The API server may linger after SIGTERM: stop_pidfile waits, then kills.
  for name in kube-controller-manager kube-apiserver kine; do stop_pidfile "$dir/$name.pid"; done
}

start() {
  mkdir -p "$dir/certs" "$dir/kine"
  local kine_port api_port token
  kine_port=$(free_port)
  api_port=$(free_port)
  token=$(openssl rand -hex 16)

  openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
  openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
  echo "$token,admin,admin,system:masters" >"$dir/tokens.csv"

  # Metrics off: kine would otherwise listen on :8080 on every interface.
  "$bin/kine" --listen-address "127.0.0.1:$kine_port" --metrics-bind-address 0 --endpoint "sqlite://$dir/kine/state.db?_journal=WAL&cache=shared" >"$dir/kine.log" 2>&1 &
  echo $! >"$dir/kine.pid"

  "$bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$kine_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --cert-dir "$dir/certs" \
    --token-auth-file "$dir/tokens.csv" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$dir/sa.pub" \
    --service-account-signing-key-file "$dir/sa.key" \
    --service-cluster-ip-range 198.19.0.0/24 \
    --allow-privileged=false \
    ${AUTHENTICATION_CONFIG:+--authentication-config "$AUTHENTICATION_CONFIG"} \
    >"$dir/kube-apiserver.log" 2>&1 &
  echo $! >"$dir/kube-apiserver.pid"

  cat >"$dir/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: engine
    cluster:
      server: https://127.0.0.1:$api_port
      insecure-skip-tls-verify: true
users:
  - name: admin
    user:
      token: $token
contexts:
  - name: engine
    context: { cluster: engine, user: admin }
current-context: engine
KUBECONFIG

  for _ in $(seq 1 120); do
    if curl -skf -H "Authorization: Bearer $token" "https://127.0.0.1:$api_port/readyz" >/dev/null 2>&1; then
      break
    fi
    # Fail fast when storage or the API server died instead of waiting out the loop.
    for name in kine kube-apiserver; do
      kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null || { echo "$name exited; see $dir/$name.log" >&2; tail -5 "$dir/$name.log" >&2; stop; exit 1; }
    done
    sleep 1
  done
  curl -skf -H "Authorization: Bearer $token" "https://127.0.0.1:$api_port/readyz" >/dev/null || {
    echo "kube-apiserver did not become ready; see $dir/kube-apiserver.log" >&2
    tail -20 "$dir/kube-apiserver.log" >&2
    stop
    exit 1
  }

  "$bin/kube-controller-manager" \
    --kubeconfig "$dir/kubeconfig" \
    --authentication-kubeconfig "$dir/kubeconfig" \
    --authorization-kubeconfig "$dir/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 0 \
    --leader-elect=false \
    --service-account-private-key-file "$dir/sa.key" \
    --root-ca-file "$dir/certs/apiserver.crt" \
    --controllers '*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-service-lb-controller,-route' \
    >"$dir/kube-controller-manager.log" 2>&1 &
  echo $! >"$dir/kube-controller-manager.pid"
  if [[ "$control_plane_only" == "--control-plane" ]]; then
    echo "control plane ready: $dir/kubeconfig"
    return
  fi
  bash "$(dirname "$(realpath "$0")")/node.sh" start "$dir/node" "$dir/kubeconfig" || { stop; exit 1; }
  echo "cluster ready: $dir/kubeconfig"
}

case "$action" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: cluster.sh start|stop <dir>" >&2; exit 2 ;;
esac
