#!/usr/bin/env bash
# npm run examples:check: derives each environment's workflow parameters and compiles the
# pipeline with the pinned KFP SDK (a venv under .cache, installed with --require-hashes from
# PyPI once, reinstalled when requirements.txt changes). Output: .cache/ml-workflow/<env>/.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.cache/ml-workflow-venv
requirements=examples/ml-workflow/requirements.txt
stamp="$venv/requirements.sha256"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$(sha256sum "$requirements" | cut -d' ' -f1)" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r "$requirements"
  sha256sum "$requirements" | cut -d' ' -f1 > "$stamp"
fi
npx tsx examples/ml-workflow/generate.ts
for params in .cache/ml-workflow/*/params.json; do
  dir=$(dirname "$params")
  "$venv/bin/python" examples/ml-workflow/pipeline.py --params "$params" --out "$dir/pipeline.yaml"
done
