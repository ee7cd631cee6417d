# Sourced by the tiers' start/stop scripts (dockerd.sh, cluster.sh, node.sh): stopping what
# they started, by PID, and unmounting what it left behind.

# stop_pidfile <pidfile> [seconds]: SIGTERM the process it names, SIGKILL it if it is still
# there after <seconds> (default 15; some servers linger), then remove the file.
stop_pidfile() {
  local file=$1 tries=$((${2:-15} * 2)) pid
  [[ -f "$file" ]] || return 0
  pid=$(cat "$file")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 "$tries"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

# unmount_under <dir>: lazily unmounts every mount below <dir>, deepest first.
unmount_under() {
  { grep -o " $1/[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
}
