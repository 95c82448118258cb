#!/usr/bin/env bash
# npm test: install when needed, make sure Postgres and NATS answer, build (e2e tests spawn
# the compiled services from dist/), then run Jest. Extra arguments go to Jest, e.g.
#   npm test -- --selectProjects gateway
#   npm test -- apps/chat/test/some.e2e-spec.ts
set -euo pipefail
cd "$(dirname "$0")/../.."

bash tools/scripts/ensure-deps.sh
bash tools/scripts/ensure-infra.sh

echo "test: building (tsc -p tsconfig.build.json)..."
npm run --silent build

# Two workers by default (2-core machine) unless the caller chose a worker setting.
worker_args=(--maxWorkers=2)
for arg in "$@"; do
  case "$arg" in
    -w | -w=* | -w[0-9]* | --maxWorkers | --maxWorkers=* | --max-workers | --max-workers=* | -i | --runInBand | --run-in-band)
      worker_args=()
      break
      ;;
  esac
done

echo "test: npx jest --ci ${worker_args[*]} $*"
exec npx jest --ci "${worker_args[@]}" "$@"
