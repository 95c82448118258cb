#!/usr/bin/env bash
# Makes sure Postgres and NATS answer; starts the local ones when they are installed but down.
# Idempotent: when both already answer it only prints their status.
#
# Env overrides:
#   PGHOST / PGPORT     Postgres to check (default 127.0.0.1:5432). A non-local PGHOST is only
#                       checked, never started.
#   NATS_URL            e.g. nats://127.0.0.1:4222 (default). A non-local URL is only checked.
#   INFRA_WAIT_SECONDS  how long to wait for both to answer (default 30).
set -uo pipefail

WAIT_SECONDS="${INFRA_WAIT_SECONDS:-30}"
PG_HOST="${PGHOST:-127.0.0.1}"
PG_PORT="${PGPORT:-5432}"
NATS_URL_EFFECTIVE="${NATS_URL:-nats://127.0.0.1:4222}"
NATS_SERVER_BIN="${NATS_SERVER_BIN:-/usr/sbin/nats-server}"

# nats://user:pass@host:port[,nats://other...] -> host / port of the first server
nats_first="${NATS_URL_EFFECTIVE%%,*}"
nats_first="${nats_first#*://}"
nats_first="${nats_first##*@}"
nats_first="${nats_first%%/*}"
if [[ "$nats_first" =~ ^\[(.*)\](:([0-9]+))?$ ]]; then # [::1]:4222
  NATS_HOST="${BASH_REMATCH[1]}"
  NATS_PORT="${BASH_REMATCH[3]:-4222}"
elif [[ "$nats_first" == *:* ]]; then
  NATS_HOST="${nats_first%%:*}"
  NATS_PORT="${nats_first##*:}"
else
  NATS_HOST="${nats_first:-127.0.0.1}"
  NATS_PORT=4222
fi

is_local() {
  case "$1" in
    '' | 127.* | localhost | ::1 | 0.0.0.0 | /*) return 0 ;; # /* = unix socket directory
    *) return 1 ;;
  esac
}

tcp_open() { # host port
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

pg_up() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2
  else
    tcp_open "$PG_HOST" "$PG_PORT"
  fi
}

# A NATS server greets every new connection with "INFO {...}"; checking for it (rather than
# for a bare TCP connect) avoids false positives from proxies that accept any connection.
nats_up() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1" && IFS= read -r -n 4 greeting <&3 && [ "$greeting" = INFO ]' \
    "$NATS_HOST" "$NATS_PORT" 2>/dev/null
}

failed=0
pg_note=""   # how Postgres got up (for the status line)
nats_note=""
pg_wait=0    # 1 when we have to wait for it
nats_wait=0

# --- Postgres ----------------------------------------------------------------
if pg_up; then
  pg_note="already running"
elif ! is_local "$PG_HOST"; then
  pg_note="remote, not started by this script"
  pg_wait=1
elif [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null 2>&1; then
  # Newest installed version that has a "main" cluster.
  pg_version="$(ls /etc/postgresql | sort -V | while read -r v; do [ -d "/etc/postgresql/$v/main" ] && echo "$v"; done | tail -n 1)"
  if [ -z "$pg_version" ]; then
    echo "postgres: DOWN at $PG_HOST:$PG_PORT and no 'main' cluster under /etc/postgresql (create one: pg_createcluster <version> main)"
    failed=1
  else
    if out="$(pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start 2>&1)"; then
      pg_note="started cluster $pg_version/main"
    else
      pg_note="pg_ctlcluster $pg_version main start said: ${out//$'\n'/ }"
    fi
    pg_wait=1
  fi
else
  echo "postgres: DOWN at $PG_HOST:$PG_PORT and not installed; install it with: apt-get install postgresql"
  failed=1
fi

# --- NATS --------------------------------------------------------------------
if nats_up; then
  nats_note="already running"
elif ! is_local "$NATS_HOST"; then
  nats_note="remote, not started by this script"
  nats_wait=1
elif [ -x "$NATS_SERVER_BIN" ]; then
  mkdir -p /var/lib/nats-server
  if out="$(start-stop-daemon --start --oknodo --background --exec "$NATS_SERVER_BIN" -- \
    -a 127.0.0.1 -p "$NATS_PORT" -js -sd /var/lib/nats-server -l /var/log/nats-server.log 2>&1)"; then
    nats_note="started $NATS_SERVER_BIN${out:+ ($out)}, log /var/log/nats-server.log"
  else
    nats_note="start-stop-daemon failed: ${out//$'\n'/ }"
  fi
  nats_wait=1
else
  echo "nats: DOWN at $NATS_HOST:$NATS_PORT and not installed; install it with: apt-get install nats-server"
  failed=1
fi

# --- wait for both -------------------------------------------------------------
start=$SECONDS
while (( pg_wait || nats_wait )) && (( SECONDS - start < WAIT_SECONDS )); do
  sleep 1
  if (( pg_wait )) && pg_up; then pg_wait=0; pg_note="$pg_note, ready after $((SECONDS - start))s"; fi
  if (( nats_wait )) && nats_up; then nats_wait=0; nats_note="$nats_note, ready after $((SECONDS - start))s"; fi
done

if [ -n "$pg_note" ]; then
  if (( pg_wait )); then
    echo "postgres: NOT answering at $PG_HOST:$PG_PORT after ${WAIT_SECONDS}s ($pg_note)"
    failed=1
  else
    echo "postgres: ok at $PG_HOST:$PG_PORT ($pg_note)"
  fi
fi
if [ -n "$nats_note" ]; then
  if (( nats_wait )); then
    echo "nats: NOT answering at $NATS_HOST:$NATS_PORT after ${WAIT_SECONDS}s ($nats_note)"
    failed=1
  else
    echo "nats: ok at $NATS_HOST:$NATS_PORT ($nats_note)"
  fi
fi

exit "$failed"
