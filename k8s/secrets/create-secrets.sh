#!/usr/bin/env bash
# Creates (or, with --rotate, replaces) the Secrets Parley needs, with random values.
#   k8s/secrets/create-secrets.sh <namespace> [--rotate]
# Values are generated here and sent straight to the cluster; nothing is written to disk.
set -euo pipefail
namespace=${1:?usage: create-secrets.sh <namespace> [--rotate]}
rotate=${2:-}

random() { openssl rand -base64 48 | tr -d '\n/+=' | cut -c1-40; }

apply_secret() {
  local name=$1
  shift
  if kubectl -n "$namespace" get secret "$name" >/dev/null 2>&1 && [ "$rotate" != "--rotate" ]; then
    echo "secret/$name exists (use --rotate to replace it)"
    return
  fi
  kubectl -n "$namespace" create secret generic "$name" "$@" --dry-run=client -o yaml | kubectl -n "$namespace" apply -f -
}

apply_secret parley-auth --from-literal=ADMIN_TOKEN="$(random)" --from-literal=JWT_SECRET="$(random)"
apply_secret parley-postgres-app --type=kubernetes.io/basic-auth --from-literal=username=parley --from-literal=password="$(random)"
if ! kubectl -n "$namespace" get secret parley-nats-auth >/dev/null 2>&1; then
  kubectl -n "$namespace" create secret generic parley-nats-auth --from-literal=auth.conf='# no NATS authentication configured'
fi
