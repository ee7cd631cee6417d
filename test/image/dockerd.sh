#!/usr/bin/env bash
# A Docker engine for the tests, on this machine only: Debian's dockerd with no bridge,
# no iptables, no IP forwarding and no masquerading, its data, exec root and socket under <dir>. Builds and
# containers use the host's network (`--network host`), never a bridge network.
#
#   dockerd.sh start <dir>   starts it and waits; prints DOCKER_HOST
#   dockerd.sh stop <dir>    stops it by PID and unmounts what it mounted
set -euo pipefail
action=${1:?usage: dockerd.sh start|stop <dir>}
dir=${2:?usage: dockerd.sh start|stop <dir>}
docker=/usr/bin/docker # Debian's 20.10 client: it builds with BuildKit without buildx
source "$(dirname "$(realpath "$0")")/../processes.sh"

start() {
  command -v dockerd >/dev/null || { echo "dockerd.sh: install Debian's docker.io (apt-get install docker.io)" >&2; exit 1; }
  mkdir -p "$dir"
  dockerd --bridge=none --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false \
    --data-root "$dir/root" --exec-root "$dir/exec" -H "unix://$dir/docker.sock" --pidfile "$dir/dockerd.pid" \
    >"$dir/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do
    DOCKER_HOST="unix://$dir/docker.sock" "$docker" version >/dev/null 2>&1 && { echo "unix://$dir/docker.sock"; return 0; }
    sleep 0.5
  done
  echo "dockerd did not start; see $dir/dockerd.log" >&2
  tail -20 "$dir/dockerd.log" >&2
  stop
  exit 1
}

stop() {
  [[ -f "$dir/dockerd.pid" ]] || return 0
  stop_pidfile "$dir/dockerd.pid" 20
  unmount_under "$dir"
}

case "$action" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: dockerd.sh start|stop <dir>" >&2; exit 2 ;;
esac
