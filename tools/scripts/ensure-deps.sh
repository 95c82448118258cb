#!/usr/bin/env bash
# Installs npm dependencies when node_modules is missing or older than package.json /
# package-lock.json (npm writes node_modules/.package-lock.json on every install).
set -euo pipefail
cd "$(dirname "$0")/../.."

marker=node_modules/.package-lock.json
reason=""
if [ ! -f "$marker" ]; then
  reason="$marker is missing"
elif [ -f package-lock.json ] && [ "$marker" -ot package-lock.json ]; then
  reason="package-lock.json is newer than $marker"
elif [ "$marker" -ot package.json ]; then
  reason="package.json is newer than $marker"
fi

if [ -z "$reason" ]; then
  echo "deps: node_modules is up to date"
  exit 0
fi

echo "deps: installing ($reason)"
if [ -f package-lock.json ]; then
  echo "deps: npm ci --no-audit --no-fund"
  ci_log=$(mktemp)
  if ! npm ci --no-audit --no-fund >"$ci_log" 2>&1; then
    # The registry reachable here does not serve every platform's optional binaries
    # (e.g. @swc/core-darwin-arm64 at our version), so the lock file cannot list them
    # and npm ci refuses it; npm install resolves the same versions for this platform.
    why=$(grep -m1 'Missing:' "$ci_log" || grep -m1 'npm error' "$ci_log" || true)
    echo "deps: npm ci refused the lock file (${why#npm error })"
    echo "deps: falling back to npm install --no-audit --no-fund"
    npm install --no-audit --no-fund
  else
    cat "$ci_log"
  fi
  rm -f "$ci_log"
else
  echo "deps: no package-lock.json; npm install --no-audit --no-fund"
  npm install --no-audit --no-fund
fi

# npm install may rewrite package-lock.json after the marker; keep the marker newest so the
# next run does not reinstall.
touch "$marker"
echo "deps: done"
