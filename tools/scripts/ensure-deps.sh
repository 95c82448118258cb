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
  if ! npm ci --no-audit --no-fund; then
    # e.g. a lock file generated elsewhere that lacks this platform's optional packages
    echo "deps: npm ci failed; falling back to npm install --no-audit --no-fund"
    npm install --no-audit --no-fund
  fi
else
  echo "deps: no package-lock.json; npm install --no-audit --no-fund"
  npm install --no-audit --no-fund
fi

# npm install may rewrite package-lock.json after the marker; keep the marker newest so the
# next run does not reinstall.
touch "$marker"
echo "deps: done"
