"""provider reach index: each published listing's travel-radius box in a spatial index (an R*Tree
kept by triggers on SQLite, a GiST index on the box expression on PostgreSQL), so matching finds the
listings that can reach a home without scanning a latitude band

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 15:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The box of `broker.matching.retrieval.bounding_box` around a listing's base, out to its travel
# radius (111.19 km a degree of latitude, rounded down; 5% margin east-west). The PostgreSQL query
# repeats this expression word for word (`retrieval.REACH_BOX_POSTGRESQL`) so the planner uses the index.
_DLAT = "{p}travel_radius_km / 111.19"
_DLNG = (
    "least(180.0, {p}travel_radius_km / (111.19 * cos(radians(least(89.0, abs({p}latitude) "
    "+ {p}travel_radius_km / 111.19)))) * 1.05)"
)


def _box(prefix: str, least: str) -> tuple[str, str, str, str]:
    dlat = _DLAT.format(p=prefix)
    dlng = _DLNG.format(p=prefix).replace("least(", f"{least}(")
    return (
        f"{prefix}latitude - {dlat}",
        f"{prefix}latitude + {dlat}",
        f"{prefix}longitude - {dlng}",
        f"{prefix}longitude + {dlng}",
    )


POSTGRESQL_BOX = "box(point({0}, {2}), point({1}, {3}))".format(*_box("", "least"))


def _sqlite_insert(source: str, alias: str) -> str:
    south, north, west, east = _box(f"{alias}.", "min")
    return (
        f"INSERT INTO provider_reach (id, south, north, west, east) "
        f"SELECT {alias}.id, {south}, {north}, {west}, {east} FROM {source} "
        f"WHERE {alias}.status = 'PUBLISHED' AND {alias}.latitude IS NOT NULL "
        f"AND {alias}.longitude IS NOT NULL AND {alias}.travel_radius_km IS NOT NULL"
    )


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_provider_reach ON provider USING gist (({POSTGRESQL_BOX}))")
        return
    # R*Tree boxes are 32-bit floats rounded outwards: never smaller than asked, so never drop a listing.
    op.execute("CREATE VIRTUAL TABLE provider_reach USING rtree(id, south, north, west, east)")
    op.execute(_sqlite_insert("provider AS p", "p"))
    # A trigger body cannot SELECT ... FROM NEW: the row is read back by its ID instead.
    one = _sqlite_insert("provider AS p", "p") + " AND p.id = NEW.id"
    op.execute(f"CREATE TRIGGER provider_reach_insert AFTER INSERT ON provider BEGIN {one}; END")
    op.execute(
        "CREATE TRIGGER provider_reach_update AFTER UPDATE OF id, status, latitude, longitude, "
        "travel_radius_km ON provider BEGIN DELETE FROM provider_reach WHERE id = OLD.id; "
        f"{one}; END"
    )
    op.execute(
        "CREATE TRIGGER provider_reach_delete AFTER DELETE ON provider BEGIN "
        "DELETE FROM provider_reach WHERE id = OLD.id; END"
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX ix_provider_reach")
        return
    for name in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER provider_reach_{name}")
    op.execute("DROP TABLE provider_reach")
