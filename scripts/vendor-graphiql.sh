#!/usr/bin/env bash
# Copy GraphiQL's built files (versions pinned in scripts/graphiql/package-lock.json, the
# ones strawberry's page names) into graph/ide/static/, so the IDE loads without a CDN.
# Run it after changing those versions; the copied files are committed.
set -euo pipefail
cd "$(dirname "$0")/graphiql"
npm ci --no-audit --no-fund --legacy-peer-deps
out=../../graph/ide/static
mkdir -p "$out"
cp node_modules/react/umd/react.production.min.js \
   node_modules/react-dom/umd/react-dom.production.min.js \
   node_modules/js-cookie/dist/js.cookie.min.js \
   node_modules/graphiql/graphiql.min.css \
   node_modules/graphiql/graphiql.min.js \
   "$out/"
cp node_modules/@graphiql/plugin-explorer/dist/index.umd.js "$out/plugin-explorer.umd.js"
cp node_modules/@graphiql/plugin-explorer/dist/style.css "$out/plugin-explorer.css"
rm -rf node_modules
echo "GraphiQL assets in graph/ide/static/:"
ls -l "$out"
