#!/usr/bin/env bash
# Fails when scripts/generate.sh would change a committed generated file.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/generate.sh
if ! git diff --quiet --exit-code -- Sources/Generated || [ -n "$(git status --porcelain -- Sources/Generated)" ]; then
  echo "Generated code is stale: run scripts/generate.sh and commit the result." >&2
  git status --short -- Sources/Generated >&2
  git diff --stat -- Sources/Generated >&2
  exit 1
fi
echo "generated code is up to date"
