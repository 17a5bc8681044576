"""GraphiQL loads on a closed network: its page names only this server's files, which load
and are the exact files the page's integrity hashes name."""

import base64
import hashlib
import re

import httpx

from graph.settings import Mode, Settings
from tests.conftest import serve


async def test_the_ide_page_references_only_local_assets(http: httpx.AsyncClient) -> None:
    page = await http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "unpkg.com" not in page.text
    assets = re.findall(r'(?:src|href)="(/[^"]+)"', page.text)
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', page.text)
    assert external == []
    assert len(assets) == 7  # react, react-dom, js-cookie, graphiql js+css, explorer js+css
    for tag in re.findall(r"<(?:script|link)[^>]*?(?:src|href)=\"/[^>]*>", page.text, re.S):
        path = re.search(r'(?:src|href)="([^"]+)"', tag)
        integrity = re.search(r'integrity="sha384-([^"]+)"', tag)
        assert path, tag
        assert integrity, tag
        asset = await http.get(path[1])
        assert asset.status_code == 200, path[1]
        digest = base64.b64encode(hashlib.sha384(asset.content).digest()).decode()
        assert digest == integrity[1], f"{path[1]} is not the file the page's hash names"
        kind = "javascript" if path[1].endswith(".js") else "css"
        assert kind in asset.headers["content-type"]


def test_in_production_the_ide_loads_without_a_token(database_url: str) -> None:
    settings = Settings(database_url=database_url, mode=Mode.PRODUCTION, graphiql=True)
    with serve(settings) as running:
        page = httpx.get(f"{running.base_url}/graphql", headers={"accept": "text/html"})
        script = httpx.get(f"{running.base_url}/graphiql-assets/graphiql.min.js")
        query = httpx.post(f"{running.base_url}/graphql", json={"query": "{ viewer { role } }"})
    assert page.status_code == 200
    assert script.status_code == 200
    assert query.status_code == 401  # the files are public, the data is not
