#!/usr/bin/env bash
# Audits the workflows and actions with zizmor (from PyPI, pinned below), offline, at its
# regular persona: any finding fails. Installed into a virtualenv outside the repository
# ($NEXTJS_INFRA_TOOLS, default ~/.cache/nextjs-infra/tools) and reused while the pin holds.
# Rules turned off, each with its reason, are in .github/zizmor.yml.
set -euo pipefail
ZIZMOR_VERSION=1.32.0
root=$(dirname "$(dirname "$(realpath "$0")")")
venv="${NEXTJS_INFRA_TOOLS:-$HOME/.cache/nextjs-infra/tools}/zizmor-$ZIZMOR_VERSION"
command -v python3 >/dev/null || { echo "zizmor.sh: Python 3 is needed (zizmor installs from PyPI)" >&2; exit 2; }
if [[ ! -x "$venv/bin/zizmor" ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "zizmor==$ZIZMOR_VERSION"
fi
cd "$root"
# First prove it finds something: a checkout that keeps its token in .git/config must fail.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
mkdir -p "$probe/.github/workflows"
printf 'on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n' >"$probe/.github/workflows/probe.yml"
if "$venv/bin/zizmor" --offline --persona regular "$probe/.github/" >/dev/null 2>&1; then
  echo "zizmor.sh: zizmor found nothing in a workflow that persists its token; refusing to trust a silent pass" >&2
  exit 2
fi
"$venv/bin/zizmor" --offline --persona regular --config .github/zizmor.yml "${@:-.github/}"
