#!/usr/bin/env bash
# npm start: install when needed, make sure Postgres and NATS answer, build, create and
# migrate the databases, then run the five services in the foreground (Ctrl-C stops them).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/scripts/ensure-deps.sh
bash tools/scripts/ensure-infra.sh
echo "building..."
npm run --silent build
CREATE_DATABASES=1 node tools/scripts/run-service.js tools/migrate
exec node tools/scripts/run-service.js tools/start
