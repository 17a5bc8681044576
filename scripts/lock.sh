#!/usr/bin/env bash
# Regenerate the hashed lock files from pyproject.toml (after changing a dependency):
#   requirements.lock      what the server needs (the Docker image installs exactly this)
#   requirements-dev.lock  that, the embedded PostgreSQL and the test tools (demo, tests, CI)
# uv is a tool of this script only, installed into .venv, not a dependency of the project.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet uv
compile() {
  .venv/bin/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
    --no-header --annotation-style line "$@"
}
compile pyproject.toml -o requirements.lock
compile pyproject.toml --extra embedded --extra test -o requirements-dev.lock
echo "Wrote requirements.lock and requirements-dev.lock"
