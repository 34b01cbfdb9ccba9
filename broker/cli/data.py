"""`broker seed`, `broker load-geography` and `broker create-user`: putting people and places in."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from broker.accounts.models import Role
from broker.accounts.passwords import hash_password
from broker.accounts.service import create_user, get_or_create_council
from broker.cli import _today, app, settings_from_env
from broker.db import Database, migrate
from broker.errors import BrokerError
from broker.geography.models import PostcodeDistrict
from broker.geography.service import load_districts, read_geography_csv
from broker.settings import Settings


async def _seed(
    settings: Settings,
    council_name: str,
    providers: int,
    holders: int,
    seed: int,
    geography: Path | None,
    today: date,
) -> tuple[int, int]:
    from seed import DEMO_DISTRICTS
    from seed.generator import generate

    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            districts = read_geography_csv(geography or DEMO_DISTRICTS)
            await load_districts(session, districts)
            council = await get_or_create_council(session, council_name)
            summary = await generate(
                session,
                council=council,
                providers=providers,
                holders=holders,
                seed=seed,
                today=today,
                districts=districts,
                holder_password_hash=hash_password(f"holder-password-{seed}"),
            )
        return summary.providers, len(districts)
    finally:
        await db.dispose()


@app.command()
def seed(
    council: Annotated[str, typer.Option(help="Council name; created if new.")] = "Leeds City Council",
    providers: Annotated[int, typer.Option(min=0, help="Listings to generate.")] = 150,
    holders: Annotated[int, typer.Option(min=0, help="DP holders to generate.")] = 30,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 2026,
    geography: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Postcode districts CSV (uk-outcodes.csv format)."),
    ] = None,
    today: Annotated[str | None, typer.Option(help="Date the data is generated for (YYYY-MM-DD).")] = None,
) -> None:
    """Generate deterministic synthetic listings and holders for a council."""
    settings = settings_from_env()
    migrate(settings.database_url)
    day = date.fromisoformat(today) if today else _today()
    made, district_count = asyncio.run(_seed(settings, council, providers, holders, seed, geography, day))
    typer.echo(f"Seeded {made} listings and {holders} holders for {council} over {district_count} districts.")
    if holders:
        typer.echo(f"Generated holders sign in with password 'holder-password-{seed}'.")


async def _load_geography(
    settings: Settings, districts: list[PostcodeDistrict], on_progress: Callable[[int], None]
) -> int:
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            return await load_districts(session, districts, progress=on_progress)
    finally:
        await db.dispose()


@app.command("load-geography")
def load_geography(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="Postcode districts CSV (uk-outcodes.csv format) or the ONS Postcode Directory CSV.",
        ),
    ],
) -> None:
    """Load the postcode districts a production install places listings and people with (without
    them every postcode is UNKNOWN_POSTCODE). Safe to run again: districts are updated in place."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    settings = settings_from_env()
    migrate(settings.database_url)
    console = Console(stderr=True)
    with console.status(f"reading {file.name}"):
        districts = read_geography_csv(file)
    if not districts:
        typer.echo(f"error: {file} has no postcode districts in a format we read.", err=True)
        raise typer.Exit(1)
    with Progress(
        TextColumn("loading postcode districts"), BarColumn(), MofNCompleteColumn(), console=console
    ) as progress:
        task = progress.add_task("load", total=len(districts))
        count = asyncio.run(
            _load_geography(settings, districts, lambda done: progress.update(task, completed=done))
        )
    typer.echo(f"Loaded {count} postcode districts from {file.name}.")


async def _create_user(
    settings: Settings, email: str, role: Role, council: str | None, password: str
) -> None:
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            council_row = await get_or_create_council(session, council) if council else None
            await create_user(session, email=email, password=password, role=role, council=council_row)
    finally:
        await db.dispose()


@app.command("create-user")
def create_user_command(
    email: Annotated[str, typer.Option(help="Sign-in email.")],
    role: Annotated[Role, typer.Option(help="Role.", case_sensitive=False)],
    council: Annotated[
        str | None, typer.Option(help="Council name (not needed for a platform ADMIN).")
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(help="The password; visible to other users of this machine, so prefer the prompt."),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from the first line of standard input (for scripts).",
        ),
    ] = False,
) -> None:
    """Create a user, e.g. the first admin of a new install. Without --password or --password-stdin
    the password is asked for twice, unseen."""
    if password is not None and password_stdin:
        typer.echo("error: give --password or --password-stdin, not both.", err=True)
        raise typer.Exit(2)
    if password_stdin:
        # One line, without its line ending: what `echo "$PASSWORD" |` or a secrets file gives.
        password = typer.get_text_stream("stdin").readline().rstrip("\r\n")
        if not password:
            typer.echo("error: --password-stdin read no password from standard input.", err=True)
            raise typer.Exit(2)
    elif password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = settings_from_env()
    migrate(settings.database_url)
    try:
        asyncio.run(_create_user(settings, email, role, council, password))
    except BrokerError as error:
        for problem in error.errors:
            typer.echo(f"error: {problem.field}: {problem.message}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"Created {role.value} {email}.")
