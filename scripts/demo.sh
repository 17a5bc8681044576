#!/usr/bin/env bash
# Install the project and serve the graph with demo data at http://127.0.0.1:8000/graphql
# (an embedded PostgreSQL in .pgdata/ unless DATABASE_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
exec .venv/bin/edm-graph serve "$@"
