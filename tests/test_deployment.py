"""A council's operator builds the image and starts the compose stack: the same versions every
build, no master key or pasted password in the app's environment, and a liveness check that does
not restart the app because the database blinked. No container engine runs here, so the files are
read and checked as the engine would read them."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from broker.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def test_every_dependency_is_pinned_in_the_lock_file_within_its_range():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _locked()

    for spec in project["dependencies"]:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: regenerate it"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {name}=={pins[name]}, outside {requirement.specifier}"
        )


def test_the_image_installs_locked_dependencies_in_a_layer_before_the_code():
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    steps = [line for line in lines if re.match(r"^(COPY|RUN)", line)]
    lock_install = next(i for i, s in enumerate(steps) if "-r requirements.lock" in s)
    first_code = next(i for i, s in enumerate(steps) if s.startswith("COPY broker"))

    assert lock_install < first_code
    assert any(s.startswith("RUN pip install --no-deps .") for s in steps[first_code:])


def test_the_app_never_holds_the_meilisearch_master_key_or_a_password_inside_a_url():
    app = _compose()["services"]["app"]
    environment = app["environment"]

    assert all("MEILI_MASTER_KEY" not in str(value) for value in environment.values())
    assert "@" in environment["BROKER_DATABASE_URL"]
    assert ":" not in environment["BROKER_DATABASE_URL"].split("//", 1)[1].split("@", 1)[0]
    assert "POSTGRES_PASSWORD" in environment["BROKER_DATABASE_PASSWORD"]


def test_the_app_health_check_is_liveness_not_readiness():
    services = _compose()["services"]
    check = " ".join(services["app"]["healthcheck"]["test"])

    assert "/healthz" in check and "/readyz" not in check
    assert "/healthz" in (ROOT / "Dockerfile").read_text()
    assert services["app"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_a_password_with_any_characters_reaches_the_database_intact():
    from sqlalchemy.engine import make_url

    password = "p@ss/w:rd%41 #?"
    settings = Settings(
        environment="test",
        database_url="postgresql://broker@db:5432/broker",
        database_password=password,
        secret_key="x" * 40,
    )

    url = make_url(settings.database_url)
    assert url.password == password
    assert (url.host, url.database, url.username) == ("db", "broker", "broker")


def test_every_variable_the_compose_file_asks_for_is_in_the_readme():
    text = (ROOT / "docker-compose.yml").read_text()
    readme = (ROOT / "README.md").read_text()
    asked = set(re.findall(r"\$\{([A-Z_]+)", text))

    missing = {name for name in asked if name not in readme}
    assert not missing, f"document these in the README: {sorted(missing)}"


def test_the_app_runs_several_workers_on_what_they_share():
    """Every process of the app counts sign-ins in one redis and searches one Meilisearch; the
    settings it is given pass `broker serve --workers`'s own checks."""
    services = _compose()["services"]
    app = services["app"]
    command = app["command"]
    environment = app["environment"]

    workers = command[command.index("--workers") + 1]
    assert workers.startswith("${BROKER_WORKERS:-") and int(workers.split(":-")[1].rstrip("}")) >= 2
    assert environment["BROKER_RATE_LIMIT_STORAGE"].startswith("redis://redis:")
    assert environment["PROMETHEUS_MULTIPROC_DIR"]
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "redis-cli" in " ".join(services["redis"]["healthcheck"]["test"])
    settings = Settings(
        environment="production",
        database_url=environment["BROKER_DATABASE_URL"],
        search_url=environment["BROKER_SEARCH_URL"],
        rate_limit_storage=environment["BROKER_RATE_LIMIT_STORAGE"],
        secret_key="x" * 40,
    )
    assert settings.scale_out_problems(int(workers.split(":-")[1].rstrip("}"))) == ([], [])
