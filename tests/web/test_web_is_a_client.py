"""The web client is a GraphQL client: its pages use named operations that the schema accepts, and it
reaches no service, model or database around the API."""

from __future__ import annotations

import ast
from pathlib import Path

from graphql import OperationDefinitionNode, build_schema, parse, validate

from broker.web import api

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "broker" / "web"
ALLOWED = ("broker.web", "broker.settings")


def test_every_operation_is_named_after_its_file_and_valid_against_the_committed_schema():
    schema = build_schema((ROOT / "schema.graphql").read_text())
    operations = sorted((WEB / "operations").glob("*.graphql"))
    assert operations

    for path in operations:
        document = parse(api.document(path.stem))
        errors = validate(schema, document)
        assert not errors, f"{path.name}: {[e.message for e in errors]}"
        (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        assert operation.name is not None and operation.name.value == path.stem, path.name


def test_every_shared_fragment_is_spread_by_some_operation():
    fragments = {path.stem for path in (WEB / "operations" / "fragments").glob("*.graphql")}
    spread = "\n".join(api.document(path.stem) for path in (WEB / "operations").glob("*.graphql"))
    assert fragments and all(f"fragment {name} on" in spread for name in fragments)


def test_every_operation_the_pages_name_exists():
    names = {path.stem for path in (WEB / "operations").glob("*.graphql")}
    used = set()
    for module in WEB.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "run" and node.args:
                first = (
                    node.args[1]
                    if len(node.args) > 1 and isinstance(node.args[0], ast.Name)
                    else node.args[0]
                )
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    used.add(first.value)
    assert used and used <= names, used - names


def test_the_web_client_imports_no_service_model_or_database():
    for module in WEB.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported = [node.module]
            else:
                continue
            for name in imported:
                if name.startswith(("broker", "search")):
                    assert name.startswith(ALLOWED), f"{module.relative_to(ROOT)} imports {name}"
