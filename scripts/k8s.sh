#!/usr/bin/env bash
# The compose path on a laptop cluster (kind or minikube). Needs docker, helm, kubectl and kind or minikube, and
# about 8 GiB for DataHub. Not runnable in this project's CI (no cluster there); scripts/k8s-check.sh proves the
# manifests offline instead.
#   scripts/k8s.sh up   [kind|minikube]  cluster + DataHub's Helm charts (prerequisites, then datahub) in namespace datahub
#   scripts/k8s.sh run  [kind|minikube]  build and load the image, create the Secret and seed, apply overlays/kind, wait
#   scripts/k8s.sh down [kind|minikube]  delete the cluster
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command=${1:?usage: scripts/k8s.sh up|run|down [kind|minikube]}
cluster=${2:-kind}
name=tokenize-action
namespace=datahub
case "$cluster" in kind|minikube) ;; *) echo "CLUSTER must be kind or minikube, not '$cluster'" >&2; exit 2 ;; esac

up() {
  if [ "$cluster" = kind ]; then
    kind get clusters 2>/dev/null | grep -qx "$name" || kind create cluster --name "$name" --wait 120s
    kubectl config use-context "kind-$name"
  else
    minikube status -p "$name" >/dev/null 2>&1 || minikube start -p "$name" --memory 8192 --cpus 4
    kubectl config use-context "$name"
  fi
  kubectl get namespace "$namespace" >/dev/null 2>&1 || kubectl create namespace "$namespace"
  helm repo add datahub https://helm.datahubproject.io/ >/dev/null
  helm repo update datahub >/dev/null
  # DataHub's own documented order: the prerequisites (Kafka, MySQL, OpenSearch), then DataHub. These release
  # names give the service names overlays/datahub-helm uses.
  helm upgrade --install prerequisites datahub/datahub-prerequisites -n "$namespace" --wait --timeout 20m
  helm upgrade --install datahub datahub/datahub -n "$namespace" --wait --timeout 20m
  echo "DataHub is up. Next: make k8s-run CLUSTER=$cluster"
}

secret_files() {
  [ -f secrets/token-keys ] || scripts/new-token-key.sh secrets/token-keys
  [ -f secrets/api-tokens ] || scripts/new-api-token.sh secrets/api-tokens ops
  if [ ! -f secrets/k8s-postgres-password ]; then
    umask 077
    openssl rand -base64 24 | tr -d '\n' >secrets/k8s-postgres-password
  fi
  # Metadata-service authentication is off in the chart's defaults: an empty token means "no token".
  [ -f secrets/datahub-token ] || : >secrets/datahub-token
}

run() {
  secret_files
  docker build -t tokenize-action:local .
  if [ "$cluster" = kind ]; then kind load docker-image tokenize-action:local --name "$name"; else minikube -p "$name" image load tokenize-action:local; fi
  # Secrets from files, applied idempotently; nothing secret is written into the manifests.
  kubectl -n "$namespace" create secret generic tokenize-action \
    --from-file=postgres-password=secrets/k8s-postgres-password --from-file=datahub-token=secrets/datahub-token \
    --from-file=token-keys=secrets/token-keys --from-file=api-tokens=secrets/api-tokens \
    --dry-run=client -o yaml | kubectl apply -f -
  kubectl -n "$namespace" create configmap tokenize-demo-seed --from-file=10-demo-seed.sql=ingestion/demo-seed.sql \
    --dry-run=client -o yaml | kubectl apply -f -
  kubectl apply -k deploy/k8s/overlays/kind
  kubectl -n "$namespace" rollout status deployment/demo-postgres --timeout 5m
  kubectl -n "$namespace" rollout status deployment/tokenize-action --timeout 5m
  cat <<TEXT
tokenize-action runs in namespace $namespace. To reach it and DataHub from this machine:
  kubectl -n $namespace port-forward svc/tokenize-action 8081:8081 &
  kubectl -n $namespace port-forward svc/datahub-datahub-gms 8080:8080 &
  kubectl -n $namespace port-forward svc/demo-postgres 5433:5432 &
  make ingest    # catalogue the demo table, tagged tokenize/run; set POSTGRES_PASSWORD in .env to secrets/k8s-postgres-password first
  curl -s -H "Authorization: Bearer <token from secrets/api-tokens>" localhost:8081/runs
TEXT
}

down() {
  if [ "$cluster" = kind ]; then kind delete cluster --name "$name"; else minikube delete -p "$name"; fi
}

"$command"
