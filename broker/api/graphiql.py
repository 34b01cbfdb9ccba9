"""GraphiQL served from this app, not a CDN: behind a council firewall a CDN page is a blank "Loading...".

The scripts and styles come from the npm packages `make` installs (`package.json` pins them) and are
served under `/assets/`; the page opens on the README's example query.
"""

from __future__ import annotations

import json
from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

# Only these files of node_modules are served: the page needs nothing else.
ASSETS: dict[str, str] = {
    "graphiql": "graphiql",
    "react": "react/umd",
    "react-dom": "react-dom/umd",
}

EXAMPLE_QUERY = """# The README's example: accredited PAs in LS8. Sign in with the `login` mutation first
# to see contact details; put the token in the Headers tab as
# {"Authorization": "Bearer <token>"}.
{
  providers(first: 10, filter: {accredited: true, kind: PA, postcodeDistrict: "LS8"}) {
    totalCount
    nodes {
      name
      hourlyRate
      services { label }
      languages { name }
      accredited
      accreditedUntil
      availability { day start end }
      contact { email }
    }
  }
}
"""

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>GraphiQL: DP broker API</title>
<link rel="stylesheet" href="/assets/graphiql/graphiql.min.css">
<style>body {{ margin: 0; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
<div id="graphiql">GraphiQL is loading. It needs JavaScript; without it, POST queries to this address.</div>
<script src="/assets/react/react.production.min.js"></script>
<script src="/assets/react-dom/react-dom.production.min.js"></script>
<script src="/assets/graphiql/graphiql.min.js"></script>
<script>
  const fetcher = GraphiQL.createFetcher({{ url: window.location.pathname }});
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {{
      fetcher: fetcher, defaultQuery: {query}, defaultEditorToolsVisibility: true
    }})
  );
</script>
</body>
</html>
"""


def default_assets_dir() -> Path:
    """`node_modules` beside the project, where `make` installs it (an editable or source install)."""
    return Path(__file__).resolve().parents[2] / "node_modules"


def graphiql_page() -> str:
    # `</` cannot appear in the JSON-encoded query, so it cannot close the script element early.
    return _PAGE.format(query=json.dumps(EXAMPLE_QUERY).replace("</", "<\\/"))


def asset_routes(node_modules: Path) -> list[BaseRoute]:
    """Static routes for the GraphiQL page's files; none when the packages are not installed (an
    installed wheel without `make`), in which case the page says how to install them."""
    routes: list[BaseRoute] = []
    for name, folder in ASSETS.items():
        directory = node_modules / folder
        if directory.is_dir():
            routes.append(Mount(f"/assets/{name}", StaticFiles(directory=directory), name=f"assets-{name}"))
    return routes


def assets_missing(node_modules: Path) -> bool:
    return any(not (node_modules / folder).is_dir() for folder in ASSETS.values())


MISSING_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8"><title>GraphiQL unavailable</title>
<h1>GraphiQL's files are not installed</h1>
<p>Run <code>npm ci</code> in the project folder (<code>make run</code> does it), or set
<code>BROKER_ASSETS_DIR</code> to a folder holding <code>graphiql</code>, <code>react</code> and
<code>react-dom</code>. The API itself works: POST queries to <code>/graphql</code>.</p></html>"""
