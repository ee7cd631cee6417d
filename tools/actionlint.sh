#!/usr/bin/env bash
# Lints the GitHub Actions workflows with actionlint, built from the Go module proxy into
# $NEXTJS_INFRA_TOOLS/bin (default ~/.cache/nextjs-infra/tools/bin) and rebuilt only when
# tools/actionlint/go.{mod,sum} change. Its shellcheck pass is turned off explicitly (no
# shellcheck here); the workflow tests execute the `run:` steps that compute something.
# With arguments, lints those files instead. Without, it first proves on a probe that it
# finds problems. CI runs it (.ci/run); it needs Go, so `npm test` does not.
set -euo pipefail
self=$(realpath "$0")
root=$(dirname "$(dirname "$self")")
out="${NEXTJS_INFRA_TOOLS:-$HOME/.cache/nextjs-infra/tools}"
mkdir -p "$out/bin"
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then export PATH="$PATH:/usr/local/go/bin"; fi
command -v go >/dev/null || { echo "actionlint.sh: Go is needed to build actionlint (install Go, or put it on PATH)" >&2; exit 2; }
stamp=$(cat "$root/tools/actionlint/go.mod" "$root/tools/actionlint/go.sum" | sha256sum | cut -c1-16)
if [[ ! -x "$out/bin/actionlint" || "$(cat "$out/bin/actionlint.stamp" 2>/dev/null)" != "$stamp" ]]; then
  (cd "$root/tools/actionlint" && go build -trimpath -o "$out/bin/actionlint" github.com/rhysd/actionlint/cmd/actionlint) >&2
  echo "$stamp" >"$out/bin/actionlint.stamp"
fi
cd "$root"
lint() { "$out/bin/actionlint" -no-color -shellcheck= -pyflakes= "$@"; }
if (($# > 0)); then exec "$out/bin/actionlint" -no-color -shellcheck= -pyflakes= "$@"; fi
# First prove it finds something: a misspelt context must fail, and be named.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.evnt }}\n' >"$probe/probe.yml"
found=$(lint "$probe/probe.yml" || true)
if ! grep -q evnt <<<"$found"; then
  echo "actionlint.sh: actionlint did not flag a misspelt context; refusing to trust a silent pass" >&2
  exit 2
fi
lint
