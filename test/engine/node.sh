#!/usr/bin/env bash
# A real Kubernetes node for the engine tier, on this machine only: containerd (its own
# config, root, state and socket), kubelet, kube-proxy, kube-router (firewall only: the
# NetworkPolicy engine), CoreDNS, the scheduler, and an image registry on loopback
# (localhost:5001, as kind's local registry). Pods get addresses from
# 198.18.0.0/24 and Services from 198.19.0.0/24 (the benchmarking range: neither private
# nor routed anywhere) over point-to-point veth pairs (CNI ptp, no bridge, no masquerade);
# the node's address is this machine's own. Nothing leaves the machine.
#
#   node.sh start <dir> <kubeconfig>   starts everything, waits for the node to be Ready
#   node.sh stop <dir>                 stops it by PID and puts the machine back as it was
#                                      (mounts, network namespaces, veths, iptables chains,
#                                      ipsets, ip_forward)
#
# Needs (from Debian): containerd, runc, containernetworking-plugins, iptables, conntrack, ipset.
set -euo pipefail

action=${1:?usage: node.sh start|stop <dir> [kubeconfig]}
dir=${2:?usage: node.sh start|stop <dir> [kubeconfig]}
bin="${NEXTJS_INFRA_TOOLS:-$HOME/.cache/nextjs-infra/tools}/bin"
export POD_CIDR=198.18.0.0/24 NODE_NAME=nextjs-infra-node
PAUSE_IMAGE=localhost/nextjs-infra/pause:1
source "$(dirname "$(realpath "$0")")/../processes.sh"
ctr_() { ctr --address "$dir/containerd/containerd.sock" -n k8s.io "$@"; }

# The node's address: this machine's own first non-loopback IPv4 address (kubelet refuses loopback).
node_ip() {
  ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | head -n 1
}

stop() {
  [[ -d "$dir" ]] || return 0
  for name in kube-router kube-proxy kubelet coredns kube-scheduler registry; do stop_pidfile "$dir/$name.pid"; done
  # kube-router's own cleanup first (its chains and ipsets); the generic sweep below catches the rest.
  [[ -f "$dir/kube-router.started" ]] && "$bin/kube-router" --cleanup-config >>"$dir/kube-router.log" 2>&1 || true
  if [[ -f "$dir/containerd.pid" ]]; then
    # Pod sandboxes and containers first, so their network namespaces go with them.
    for task in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$task" 2>/dev/null || true; done
    sleep 1
    for task in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks delete -f "$task" 2>/dev/null || true; done
    for c in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers delete "$c" 2>/dev/null || true; done
    stop_pidfile "$dir/containerd.pid"
  fi
  # What kubelet mounted, and the network namespaces and veths the runtime made for pods.
  unmount_under "$dir"
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^cni-' || true); do ip netns delete "$ns" 2>/dev/null || true; done
  for link in $(ip -o link show type veth 2>/dev/null | awk -F'[ :@]+' '{print $2}' | grep '^veth' || true); do ip link delete "$link" 2>/dev/null || true; done
  for route in $(ip route show 2>/dev/null | awk '/^198\.18\./ {print $1}'); do ip route delete "$route" 2>/dev/null || true; done
  # Chains kubelet and kube-proxy added, in every table, IPv4 and IPv6.
  for ipt in iptables ip6tables; do
    command -v "$ipt" >/dev/null || continue
    for table in filter nat mangle; do
      { "$ipt" -t "$table" -S 2>/dev/null | grep -E '^-A .*-j KUBE-' || true; } | sed 's/^-A/-D/' | while read -r rule; do eval "$ipt -t $table $rule" 2>/dev/null || true; done
      for chain in $("$ipt" -t "$table" -S 2>/dev/null | awk '/^-N KUBE-/ {print $2}'); do "$ipt" -t "$table" -F "$chain" 2>/dev/null || true; done
      for chain in $("$ipt" -t "$table" -S 2>/dev/null | awk '/^-N KUBE-/ {print $2}'); do "$ipt" -t "$table" -X "$chain" 2>/dev/null || true; done
    done
  done
  # The ipsets kube-router made (referenced by nothing once the chains are gone).
  if command -v ipset >/dev/null; then
    for set in $(ipset list -n 2>/dev/null | grep -E '^(KUBE-|kube-router)' || true); do ipset destroy "$set" 2>/dev/null || true; done
  fi
  [[ -f "$dir/ip_forward" ]] && sysctl -q -w "net.ipv4.ip_forward=$(cat "$dir/ip_forward")" && rm -f "$dir/ip_forward"
  return 0
}

fail() {
  echo "node: $1" >&2
  for log in "$dir"/*.log; do echo "--- $log" >&2; tail -15 "$log" >&2; done
  stop
  exit 1
}

# NetworkPolicies enforced: kube-router's firewall alone (no routing, no service proxy, no CNI),
# started once the Node object exists (it finds its node by name), and alive after its first sync.
network_policies() {
  touch "$dir/kube-router.started"
  "$bin/kube-router" --run-router=false --run-service-proxy=false --run-firewall=true --enable-cni=false \
    --kubeconfig "$1" --hostname-override "$NODE_NAME" --service-cluster-ip-range 198.19.0.0/24 \
    --health-port 0 --metrics-port 0 >"$dir/kube-router.log" 2>&1 &
  echo $! >"$dir/kube-router.pid"
  for _ in $(seq 1 30); do
    kill -0 "$(cat "$dir/kube-router.pid")" 2>/dev/null || fail "kube-router exited"
    iptables -S 2>/dev/null | grep -q -- '-N KUBE-ROUTER-FORWARD' && return 0
    sleep 1
  done
  fail "kube-router installed no firewall chains"
}

# A pause image made here, in the format `ctr images import` reads (no image can be pulled).
pause_image() {
  local img="$dir/pause-image"
  mkdir -p "$img/rootfs"
  install -m 755 "$bin/pause" "$img/rootfs/pause"
  tar -C "$img/rootfs" -cf "$img/layer.tar" pause
  local diff_id config_id
  diff_id=$(sha256sum "$img/layer.tar" | cut -d' ' -f1)
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff_id" >"$img/config.json"
  config_id=$(sha256sum "$img/config.json" | cut -d' ' -f1)
  mv "$img/config.json" "$img/$config_id.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["layer.tar"]}]' "$config_id" "$PAUSE_IMAGE" >"$img/manifest.json"
  tar -C "$img" -cf "$dir/pause.tar" manifest.json "$config_id.json" layer.tar
  ctr_ images import "$dir/pause.tar" >/dev/null
}

# The node's disks: hostPath PersistentVolumes with no class, which claims without a class
# (a StatefulSet's, where no default StorageClass exists) bind to. Retained on release.
volumes() {
  local server=${*: -1}
  local api=("${@:1:$#-1}")
  for i in 1 2; do
    mkdir -p "$dir/volumes/pv$i" && chmod 1777 "$dir/volumes/pv$i"
    "${api[@]}" -X POST -H "Content-Type: application/json" "$server/api/v1/persistentvolumes" -d "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolume\",
      \"metadata\":{\"name\":\"node-volume-$i\"},\"spec\":{\"capacity\":{\"storage\":\"2Gi\"},\"accessModes\":[\"ReadWriteOnce\"],
      \"persistentVolumeReclaimPolicy\":\"Retain\",\"hostPath\":{\"path\":\"$dir/volumes/pv$i\",\"type\":\"Directory\"}}}" >/dev/null
  done
}

start() {
  local kubeconfig=${3:?usage: node.sh start <dir> <kubeconfig>}
  local ip
  ip=$(node_ip)
  [[ -n "$ip" ]] || { echo "node: this machine has no non-loopback IPv4 address for the node" >&2; exit 1; }
  mkdir -p "$dir"/{containerd,cni/net.d,cni/ipam,kubelet,registry}
  sysctl -n net.ipv4.ip_forward >"$dir/ip_forward"
  sysctl -q -w net.ipv4.ip_forward=1 # pod to pod and Service traffic crosses the host

  # The registry on loopback, where images are pushed and the node pulls them from.
  cat >"$dir/registry.yml" <<EOF
version: 0.1
log: { level: warn }
storage: { filesystem: { rootdirectory: $dir/registry }, delete: { enabled: true } }
http: { addr: 127.0.0.1:5001 }
EOF
  "$bin/registry" serve "$dir/registry.yml" >"$dir/registry.log" 2>&1 &
  echo $! >"$dir/registry.pid"

  cat >"$dir/cni/net.d/10-nextjs-infra.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "nextjs-infra",
  "plugins": [
    { "type": "ptp", "ipMasq": false, "mtu": 1400,
      "ipam": { "type": "host-local", "dataDir": "$dir/cni/ipam", "ranges": [[{ "subnet": "$POD_CIDR" }]], "routes": [{ "dst": "0.0.0.0/0" }] } }
  ]
}
EOF
  cat >"$dir/containerd/config.toml" <<EOF
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
[grpc]
  address = "$dir/containerd/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # This machine lacks CAP_SYS_RESOURCE: runc may not lower oom_score_adj.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".registry.mirrors."localhost:5001"]
    endpoint = ["http://127.0.0.1:5001"]
EOF
  containerd --config "$dir/containerd/config.toml" >"$dir/containerd.log" 2>&1 &
  echo $! >"$dir/containerd.pid"
  for _ in $(seq 1 60); do [[ -S "$dir/containerd/containerd.sock" ]] && break; sleep 0.5; done
  [[ -S "$dir/containerd/containerd.sock" ]] || fail "containerd did not start"
  pause_image

  "$bin/kube-scheduler" --kubeconfig "$kubeconfig" --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
    --leader-elect=false --secure-port=0 >"$dir/kube-scheduler.log" 2>&1 &
  echo $! >"$dir/kube-scheduler.pid"

  # Cluster DNS on the node's address: the cluster domain only; nothing is forwarded out.
  cat >"$dir/Corefile" <<EOF
cluster.local:53 {
  bind $ip
  kubernetes cluster.local {
    kubeconfig $kubeconfig
  }
}
EOF
  "$bin/coredns" -conf "$dir/Corefile" >"$dir/coredns.log" 2>&1 &
  echo $! >"$dir/coredns.pid"

  cat >"$dir/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 0
authentication: { anonymous: { enabled: false }, webhook: { enabled: false } }
authorization: { mode: AlwaysAllow }
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
cgroupsPerQOS: false
enforceNodeAllocatable: []
localStorageCapacityIsolation: false
evictionHard: {}
clusterDNS: ["$ip"]
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
containerRuntimeEndpoint: unix://$dir/containerd/containerd.sock
imageServiceEndpoint: unix://$dir/containerd/containerd.sock
serializeImagePulls: false
EOF
  "$bin/kubelet" --config "$dir/kubelet.yaml" --kubeconfig "$kubeconfig" --hostname-override "$NODE_NAME" --node-ip "$ip" \
    --root-dir "$dir/kubelet" --cert-dir "$dir/kubelet/pki" >"$dir/kubelet.log" 2>&1 &
  echo $! >"$dir/kubelet.pid"

  "$bin/kube-proxy" --kubeconfig "$kubeconfig" --hostname-override "$NODE_NAME" --proxy-mode iptables --cluster-cidr "$POD_CIDR" \
    --conntrack-max-per-core 0 --conntrack-tcp-timeout-established 0 --conntrack-tcp-timeout-close-wait 0 \
    --metrics-bind-address 127.0.0.1:10249 --healthz-bind-address 127.0.0.1:10256 >"$dir/kube-proxy.log" 2>&1 &
  echo $! >"$dir/kube-proxy.pid"

  command -v ipset >/dev/null || fail "kube-router needs the ipset tool (Debian package ipset)"

  # Ready, and without the not-ready taint (no node-lifecycle controller lifts it here).
  local server token
  server=$(awk '/server:/ {print $2}' "$kubeconfig")
  token=$(awk '/token:/ {print $2}' "$kubeconfig")
  local api=(curl -skf -H "Authorization: Bearer $token")
  for _ in $(seq 1 120); do
    if "${api[@]}" "$server/api/v1/nodes/$NODE_NAME" 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const n=JSON.parse(s);process.exit((n.status.conditions||[]).some(c=>c.type==="Ready"&&c.status==="True")?0:1)})'; then
      "${api[@]}" -X PATCH -H "Content-Type: application/json-patch+json" "$server/api/v1/nodes/$NODE_NAME" -d '[{"op":"replace","path":"/spec/taints","value":[]}]' >/dev/null
      volumes "${api[@]}" "$server"
      network_policies "$kubeconfig"
      echo "node ready: $NODE_NAME at $ip"
      return 0
    fi
    for name in containerd kubelet kube-proxy coredns kube-scheduler registry; do
      kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null || fail "$name exited"
    done
    sleep 1
  done
  fail "the node did not become Ready"
}

case "$action" in
  start) start "$@" ;;
  stop) stop ;;
  *) echo "usage: node.sh start|stop <dir> [kubeconfig]" >&2; exit 2 ;;
esac
