#!/usr/bin/env bash
# Creates (or, with --rotate, replaces) the Secrets Parley needs, with random values.
#   [WEB_PUSH_SUBJECT=mailto:ops@example.com] k8s/secrets/create-secrets.sh <namespace> [--rotate]
# Values are generated here and sent straight to the cluster; nothing is written to disk.
# NATS users and permissions come from deploy/nats/nats-server.conf (its authorization block).
set -euo pipefail
cd "$(dirname "$0")/../.."
namespace=${1:?usage: create-secrets.sh <namespace> [--rotate]}
rotate=${2:-}

random() { openssl rand -base64 48 | tr -d '\n/+=' | cut -c1-40; }

# Creates the secret unless it exists (then only with --rotate). Returns 1 when it was kept.
apply_secret() {
  local name=$1
  shift
  if kubectl -n "$namespace" get secret "$name" >/dev/null 2>&1 && [ "$rotate" != "--rotate" ]; then
    echo "secret/$name exists (use --rotate to replace it)"
    return 1
  fi
  kubectl -n "$namespace" create secret generic "$name" "$@" --dry-run=client -o yaml | kubectl -n "$namespace" apply -f -
}

apply_secret parley-auth --from-literal=ADMIN_TOKEN="$(random)" --from-literal=JWT_SECRET="$(random)" || true
apply_secret parley-postgres-owner --type=kubernetes.io/basic-auth --from-literal=username=parley --from-literal=password="$(random)" || true
apply_secret parley-postgres-app --type=kubernetes.io/basic-auth --from-literal=username=parley_app --from-literal=password="$(random)" || true

# NATS: one password per service, given to the servers (parley-nats-server) and to the service.
auth_conf=$(awk '/^authorization \{/ {on=1} on {print} on && /^\}/ {exit}' deploy/nats/nats-server.conf)
server_args=()
declare -A passwords
for service in gateway chat history presence notification; do
  passwords[$service]=$(random)
  server_args+=(--from-literal="NATS_${service^^}_PASSWORD=${passwords[$service]}")
done
if apply_secret parley-nats-server "${server_args[@]}"; then
  apply_secret parley-nats-auth --from-literal=auth.conf="$auth_conf" || true
  for service in gateway chat history presence notification; do
    rotate=--rotate apply_secret "parley-nats-$service" --from-literal=NATS_USER="$service" --from-literal=NATS_PASSWORD="${passwords[$service]}"
  done
fi
# Push (notification): VAPID keys, created once and never replaced, not even with --rotate:
# every browser subscription is bound to the public key and dies with it. By hand, the same
# keys come from `npx web-push generate-vapid-keys`. FCM and APNs keys are added to this
# Secret by hand (docs/notifications-providers.md).
if kubectl -n "$namespace" get secret parley-push >/dev/null 2>&1; then
  echo "secret/parley-push exists (kept even with --rotate: VAPID keys are not rotated)"
elif [ -z "${WEB_PUSH_SUBJECT:-}" ]; then
  echo "secret/parley-push not created: set WEB_PUSH_SUBJECT (mailto: or https: contact for the push services); in production the notification service does not start without it" >&2
else
  vapid=$(npx --no-install web-push generate-vapid-keys --json)
  vapid_key() { node -e 'process.stdout.write(JSON.parse(process.argv[1])[process.argv[2]])' "$vapid" "$1"; }
  kubectl -n "$namespace" create secret generic parley-push --from-literal=WEB_PUSH_VAPID_PUBLIC_KEY="$(vapid_key publicKey)" \
    --from-literal=WEB_PUSH_VAPID_PRIVATE_KEY="$(vapid_key privateKey)" --from-literal=WEB_PUSH_SUBJECT="$WEB_PUSH_SUBJECT"
fi
echo "done: restart NATS and the services after a rotation (docs/deploy.md, Rotate secrets)"
