#!/usr/bin/env bash
# Lints api/openapi.yaml with Redocly CLI (pinned), using redocly.yaml and the
# reviewed exceptions in .redocly.lint-ignore.yaml. Needs Node.js >= 20 and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
REDOCLY_VERSION=2.77.0
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
exec npx --yes "@redocly/cli@${REDOCLY_VERSION}" lint api/openapi.yaml --config redocly.yaml --format=stylish
