"""GraphiQL served offline: strawberry's page with its CDN scripts and styles replaced by the
copies in graph/ide/static/ (scripts/vendor-graphiql.sh), so it loads on a closed network.

The page keeps strawberry's `integrity` hashes: a browser refuses a copy that is not the
exact file strawberry's page names.
"""

import re
from pathlib import Path

from starlette.staticfiles import StaticFiles
from strawberry.http.ides import get_graphql_ide_html

STATIC = Path(__file__).parent / "static"
ASSETS_PATH = "/graphiql-assets"

# Strawberry's CDN address of each asset -> the vendored file's name.
_FILES = {
    "react@18.2.0/umd/react.production.min.js": "react.production.min.js",
    "react-dom@18.2.0/umd/react-dom.production.min.js": "react-dom.production.min.js",
    "js-cookie@3.0.5/dist/js.cookie.min.js": "js.cookie.min.js",
    "graphiql@3.8.3/graphiql.min.css": "graphiql.min.css",
    "graphiql@3.8.3/graphiql.min.js": "graphiql.min.js",
    "@graphiql/plugin-explorer@1.0.2/dist/style.css": "plugin-explorer.css",
    "@graphiql/plugin-explorer@1.0.2/dist/index.umd.js": "plugin-explorer.umd.js",
}
_CDN = re.compile(r"https://unpkg\.com/([^\"']+)")


class UnknownAsset(Exception):
    """Strawberry's page names an asset not vendored here (strawberry was upgraded)."""


def _local(match: re.Match[str]) -> str:
    name = _FILES.get(match[1])
    if name is None:
        raise UnknownAsset(
            f"GraphiQL asset {match[1]} is not vendored: update graph/ide/__init__.py and run "
            "scripts/vendor-graphiql.sh"
        )
    return f"{ASSETS_PATH}/{name}"


def offline_page() -> str:
    """Strawberry's GraphiQL page, every asset served by this server."""
    return _CDN.sub(_local, get_graphql_ide_html(graphql_ide="graphiql"))


def assets() -> StaticFiles:
    return StaticFiles(directory=STATIC)


def asset_paths() -> frozenset[str]:
    return frozenset(f"{ASSETS_PATH}/{name}" for name in _FILES.values())
