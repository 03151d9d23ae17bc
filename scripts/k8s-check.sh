#!/usr/bin/env bash
# Proves deploy/ offline, as far as a machine without a cluster can: every kustomize overlay renders
# (kubectl kustomize), the output validates against the Kubernetes 1.30 schemas (kubernetes-validate, strict),
# a security scan passes (checkov; skipped checks carry their reason in a checkov.io/skip annotation), the
# environment names match the service's configuration (deploy/check/env_names.py), and the Prometheus rules
# load and fire as their unit tests say (promtool check/test rules) on metrics the service exports and docs/operations.md
# documents (deploy/check/metric_names.py).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tools="$root/.tools"
mkdir -p "$tools"
fail() { echo "k8s-check: $*" >&2; exit 1; }

# kubectl with kustomize v4 or later (the manifests use `labels`, `envs` and components).
command -v kubectl >/dev/null || fail "kubectl is not installed (kustomize v4+ needed; Debian's kubernetes-client 1.20 is too old)"
kustomize_version=$(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9]*\).*/\1/p')
[ "${kustomize_version:-0}" -ge 4 ] || fail "kubectl's kustomize is older than v4: $(kubectl version --client 2>&1 | head -2 | tr '\n' ' ')"

# kubernetes-validate and checkov, pinned, in their own environment.
if [ ! -x "$tools/venv/bin/checkov" ] || ! cmp -s deploy/check/requirements.txt "$tools/venv/requirements.txt"; then
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install -q -r deploy/check/requirements.txt
  cp deploy/check/requirements.txt "$tools/venv/requirements.txt"
fi

# promtool from Debian's prometheus package, extracted: the daemon is not needed.
promtool=$(command -v promtool || true)
if [ -z "$promtool" ]; then
  if [ ! -x "$tools/promtool" ]; then
    scratch=$(mktemp -d)
    (cd "$scratch" && apt-get download prometheus >/dev/null && dpkg-deb -x prometheus_*.deb extracted)
    install -m 0755 "$scratch/extracted/usr/bin/promtool" "$tools/promtool"
    rm -rf "$scratch"
  fi
  promtool="$tools/promtool"
fi

rendered=$(mktemp -d)
trap 'rm -rf "$rendered"' EXIT
for target in deploy/k8s/overlays/datahub-helm deploy/k8s/overlays/kind deploy/check/with-components; do
  name=$(basename "$target")
  kubectl kustomize "$target" >"$rendered/$name.yaml" || fail "$target does not render"
  echo "k8s-check: $target renders $(grep -c '^kind:' "$rendered/$name.yaml") objects"
  "$tools/venv/bin/kubernetes-validate" --strict --quiet -k 1.30.0 "$rendered/$name.yaml" || fail "$target: Kubernetes 1.30 schema validation failed"
  "$tools/venv/bin/python" deploy/check/env_names.py <"$rendered/$name.yaml" || fail "$target: environment names do not match the configuration"
done
"$tools/venv/bin/checkov" --quiet --compact --skip-download --framework kubernetes -d "$rendered" \
  || fail "checkov found failing checks (fix them, or skip one with a checkov.io/skipN annotation giving the reason)"
python3 deploy/check/metric_names.py || fail "the exported metrics, the metrics table of docs/operations.md and the alert rules disagree"
"$promtool" check rules deploy/prometheus/alerts.yml
(cd deploy/prometheus && "$promtool" test rules alerts.test.yml)
echo "k8s-check: manifests render, validate against Kubernetes 1.30, pass checkov; alert rules load and pass their tests"
