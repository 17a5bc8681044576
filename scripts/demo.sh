#!/usr/bin/env bash
# Install the project and serve the graph with demo data at http://127.0.0.1:8000/graphql
# (an embedded PostgreSQL in .pgdata/ unless DATABASE_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# The locked versions, hashes checked (the embedded PostgreSQL and the test tools included),
# then the project itself without resolving anything again.
.venv/bin/python -m pip install --quiet --require-hashes -r requirements-dev.lock
.venv/bin/python -m pip install --quiet --no-deps -e .
exec .venv/bin/edm-graph serve "$@"
