#!/usr/bin/env bash
# Make the Docker secrets once (./secrets/, never committed): the database password, the
# API's DATABASE_URL with that password, and the HS256 token secret. The directory is 0700;
# the files are 0644 because compose bind-mounts each one as is and the API runs as uid 10001.
set -euo pipefail
cd "$(dirname "$0")/.."
umask 077
mkdir -p secrets
random() { python3 -c "import secrets; print(secrets.token_urlsafe($1), end='')"; }
if [ ! -s secrets/db_password ]; then
  random 32 > secrets/db_password
fi
printf 'postgresql://edm:%s@db:5432/edm_graph' "$(cat secrets/db_password)" > secrets/database_url
if [ ! -s secrets/edm_jwt_secret ]; then
  random 48 > secrets/edm_jwt_secret
fi
chmod 700 secrets
chmod 644 secrets/db_password secrets/database_url secrets/edm_jwt_secret
echo "Secrets in $(pwd)/secrets/: db_password, database_url, edm_jwt_secret"
