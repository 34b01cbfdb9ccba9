"""A developer behind a council firewall opens /graphql in a browser and gets a working GraphiQL:
every script and style it loads comes from this app, and it opens on the README's example query."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from broker.api.graphiql import default_assets_dir
from broker.app import create_app
from broker.settings import Settings

pytestmark = pytest.mark.skipif(
    not (default_assets_dir() / "graphiql").is_dir(), reason="npm assets not installed (run `make`)"
)


async def _get(settings: Settings, path: str) -> httpx.Response:
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        return await http.get(path, headers={"Accept": "text/html"})


async def test_graphiql_loads_only_assets_the_app_serves_itself(settings: Settings):
    settings = settings.model_copy(update={"graphiql": True})

    page = await _get(settings, "/graphql")

    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources, page.text
    assert all(s.startswith("/assets/") for s in sources), sources
    assert "https://" not in page.text and "http://" not in page.text
    for source in sources:
        asset = await _get(settings, source)
        assert asset.status_code == 200, source
        assert len(asset.content) > 1000, source


async def test_graphiql_opens_on_the_readme_example_query(settings: Settings):
    settings = settings.model_copy(update={"graphiql": True})

    page = await _get(settings, "/graphql")

    assert 'postcodeDistrict: \\"LS8\\"' in page.text
    assert "accreditedUntil" in page.text


async def test_graphiql_says_how_to_install_its_files_when_missing(settings: Settings, tmp_path: Path):
    settings = settings.model_copy(update={"graphiql": True, "assets_dir": tmp_path / "nothing"})

    page = await _get(settings, "/graphql")

    assert page.status_code == 503
    assert "npm ci" in page.text


async def test_no_assets_are_served_when_graphiql_is_off(settings: Settings):
    settings = settings.model_copy(update={"graphiql": False})

    asset = await _get(settings, "/assets/graphiql/graphiql.min.js")

    assert asset.status_code == 404
