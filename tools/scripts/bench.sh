#!/usr/bin/env bash
# npm run bench [-- options]: Postgres and NATS up, build, run bench/src/main with the options.
#
# One benchmark at a time on a machine, its build included: a lock file (parley-bench.lock in the
# temp directory) holding this script's pid, taken over when that process died. A build is ~20 s
# of CPU, which landed on the benchmark already running when it came before the lock (the first
# run of a queued bench was the outlier). --smoke (CI: it checks the harness, not speed) and
# --help do not wait.
set -euo pipefail
cd "$(dirname "$0")/../.."

LOCK_FILE="${TMPDIR:-/tmp}/parley-bench.lock"
WAIT_SECONDS=2

take_lock() {
  local told=0 holder
  until (set -o noclobber; echo "$$" > "$LOCK_FILE") 2>/dev/null; do
    holder="$(cat "$LOCK_FILE" 2>/dev/null || true)"
    # Empty: being written right now; a pid that no longer runs: a bench that died.
    if [[ -n "$holder" ]] && ! kill -0 "$holder" 2>/dev/null; then
      rm -f "$LOCK_FILE"
      continue
    fi
    if [[ $told == 0 ]]; then
      echo "bench: another benchmark (pid ${holder:-?}) is running on this machine; waiting for it to end ($LOCK_FILE)..." >&2
      told=1
    fi
    sleep "$WAIT_SECONDS"
  done
  trap 'rm -f "$LOCK_FILE"' EXIT
}

case " $* " in
  *" --smoke "* | *" --help "* | *" -h "*) ;;
  *) take_lock ;;
esac

bash tools/scripts/ensure-infra.sh
npm run --silent build
node tools/scripts/run-service.js bench/src/main "$@"
