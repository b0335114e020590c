#!/usr/bin/env bash
# The tools that check the Helm chart without a cluster: Helm v4, built once with Go into the
# cache, and the schemas of the Strimzi custom resources, from Strimzi's own API artifact on
# Maven Central. See --help.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

HELM_VERSION="4.3.2"
STRIMZI_VERSION="0.49.0"

HELM_HOME="$CACHE_DIR/helm-$HELM_VERSION"
HELM_BIN="$HELM_HOME/helm"
STRIMZI_HOME="$CACHE_DIR/strimzi-$STRIMZI_VERSION"
STRIMZI_JAR="$STRIMZI_HOME/api-$STRIMZI_VERSION-tests.jar"

usage() {
  cat <<EOF
Usage: deploy/local/helm.sh {fetch|helm-path|strimzi-crds-path|--help}

  fetch               build Helm v$HELM_VERSION with \`go install\` (about 3 minutes and 120 MB
                      the first time) and fetch Strimzi $STRIMZI_VERSION's CRD schemas (the
                      io.strimzi:api tests jar from Maven Central, ~300 KB, whose crds/ folder
                      holds the CustomResourceDefinitions Strimzi generates from its API);
                      harmless when both are cached
  helm-path           print the helm binary's path
  strimzi-crds-path   print the jar's path

Environment: MENTORNET_CACHE, the cache [\$HOME/.cache/mentornet]: helm-$HELM_VERSION/ and
strimzi-$STRIMZI_VERSION/. Requires go (1.24+) and mvn the first time. No cluster is needed:
tests/deploy/test_helm_chart.py runs \`helm lint\` and \`helm template\` offline.
EOF
}

fetch_helm() {
  go_tool_install helm "helm.sh/helm/v4/cmd/helm" "$HELM_VERSION" "$HELM_HOME" "about 3 minutes"
}

fetch_strimzi() {
  if [[ -s "$STRIMZI_JAR" ]]; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die helm "mvn not found on PATH (needed once for Strimzi's schemas)"
  local start scratch
  start="$(now)"
  mkdir -p "$STRIMZI_HOME"
  scratch="$(mktemp -d "$STRIMZI_HOME/fetch.XXXXXX")"
  if ! mvn -q -B dependency:copy "-Dartifact=io.strimzi:api:$STRIMZI_VERSION:jar:tests" \
    "-DoutputDirectory=$scratch" >"$STRIMZI_HOME/fetch.log" 2>&1; then
    cat "$STRIMZI_HOME/fetch.log" >&2
    rm -rf "$scratch"
    die helm "fetching io.strimzi:api:$STRIMZI_VERSION:tests failed (log above)"
  fi
  mv -f "$scratch/api-$STRIMZI_VERSION-tests.jar" "$STRIMZI_JAR"
  rm -rf "$scratch"
  log helm "fetched Strimzi $STRIMZI_VERSION's CRDs into $STRIMZI_JAR in $(elapsed "$start")s"
}

case "${1:-}" in
fetch)
  fetch_helm
  fetch_strimzi
  ;;
helm-path) printf '%s\n' "$HELM_BIN" ;;
strimzi-crds-path) printf '%s\n' "$STRIMZI_JAR" ;;
-h | --help | help) usage ;;
*)
  usage >&2
  exit 2
  ;;
esac
