#!/usr/bin/env bash
# Prints the path of a deployment tool, building it from the Go module proxy on first use (cached
# beside the infrastructure's binaries): helm for the chart under deploy/helm, promtool for the
# alert rules under deploy/prometheus. The deploy suite calls it; so can people.
#
# usage: tool.sh helm|promtool
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
log() { printf '[tool] %s\n' "$*" >&2; }
# shellcheck source=bin-cache.sh
source "$root/tools/infra/bin-cache.sh"

HELM_VERSION=${KEELSON_HELM_VERSION:-v4.3.2}
# Prometheus's Go module is tagged v0.<minor>.<patch> for release 3.<minor>.<patch>.
PROMETHEUS_MODULE_VERSION=${KEELSON_PROMETHEUS_MODULE_VERSION:-v0.316.0}

case "${1:-}" in
  helm) ensure_bin helm helm.sh/helm/v4 "$HELM_VERSION" cmd/helm ;;
  promtool) ensure_bin promtool github.com/prometheus/prometheus "$PROMETHEUS_MODULE_VERSION" cmd/promtool ;;
  *) echo "usage: tool.sh helm|promtool" >&2; exit 2 ;;
esac
