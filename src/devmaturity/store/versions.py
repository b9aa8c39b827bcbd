"""Per-organisation change counters kept by database triggers, so a page cache keyed by them is never stale.

Every insert, update and delete of a table the dashboard shows raises `org_versions.version` of the organisation
the row belongs to, in the same transaction, whatever code path (or hand-written SQL) made the change. A reader
compares the versions of the organisations it shows with the ones its cached page was built at: one indexed
read instead of rebuilding the page. Triggers are installed by the migration that adds the table and, for a new
store, when the tables are created; a later migration that rebuilds a watched table (SQLite's batch mode copies
it) must call `install` again (it is idempotent), which tests/store/test_versions.py would otherwise catch.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from devmaturity.store import tables as t

# table -> how a row names its organisation: its own org_id column, or its project's
WATCHED: dict[str, str] = {
    "projects": "org_id",
    "sources": "org_id",
    "metric_series": "org_id",
    "assessment_cycles": "org_id",
    "answers": "org_id",
    "evidence_files": "org_id",
    "assessments": "project_id",
    "assessment_summaries": "project_id",
}
BUMP = "UPDATE org_versions SET version = version + 1 WHERE org_id = "


def _org_of(row: str, column: str) -> str:
    """The SQL expression of the organisation of trigger row `row` (NEW or OLD)."""
    if column == "org_id":
        return f"{row}.org_id"
    return f"(SELECT org_id FROM projects WHERE id = {row}.{column})"  # noqa: S608 - names from WATCHED only


def _sqlite(table: str, column: str) -> list[str]:
    new, old = _org_of("NEW", column), _org_of("OLD", column)
    return [
        f"CREATE TRIGGER dm_v_{table}_i AFTER INSERT ON {table} BEGIN {BUMP}{new}; END",
        f"CREATE TRIGGER dm_v_{table}_u AFTER UPDATE ON {table} BEGIN {BUMP}{new}; "
        f"{BUMP}{old} AND {old} IS NOT {new}; END",
        f"CREATE TRIGGER dm_v_{table}_d AFTER DELETE ON {table} BEGIN {BUMP}{old}; END",
    ]


def _postgres(table: str, column: str) -> list[str]:
    new, old = _org_of("NEW", column), _org_of("OLD", column)
    return [
        f"CREATE OR REPLACE FUNCTION dm_v_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'DELETE' THEN {BUMP}{new}; END IF; "
        f"IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND {old} IS DISTINCT FROM {new}) THEN {BUMP}{old}; END IF; "
        "RETURN NULL; END $$",
        f"CREATE TRIGGER dm_v_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION dm_v_{table}()",
    ]


def _organisations(dialect: str) -> list[str]:
    """A new organisation gets its counter; renaming one raises it (its audit chain columns change on every
    audited action and must not)."""
    if dialect == "sqlite":
        return [
            "CREATE TRIGGER dm_v_organisations_i AFTER INSERT ON organisations BEGIN "
            "INSERT INTO org_versions (org_id, version) VALUES (NEW.id, 1); END",
            f"CREATE TRIGGER dm_v_organisations_u AFTER UPDATE OF name, slug ON organisations BEGIN {BUMP}NEW.id; END",
        ]
    return [
        "CREATE OR REPLACE FUNCTION dm_v_organisations_i() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO org_versions (org_id, version) VALUES (NEW.id, 1); RETURN NULL; END $$",
        "CREATE TRIGGER dm_v_organisations_i AFTER INSERT ON organisations "
        "FOR EACH ROW EXECUTE FUNCTION dm_v_organisations_i()",
        "CREATE OR REPLACE FUNCTION dm_v_organisations_u() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{BUMP}NEW.id; RETURN NULL; END $$",
        "CREATE TRIGGER dm_v_organisations_u AFTER UPDATE OF name, slug ON organisations "
        "FOR EACH ROW EXECUTE FUNCTION dm_v_organisations_u()",
    ]


def trigger_names(dialect: str) -> set[str]:
    """The names of the triggers `install` creates on this dialect (tests compare them with the database's)."""
    if dialect == "sqlite":
        names = {f"dm_v_{table}_{op}" for table in WATCHED for op in "iud"}
    else:
        names = {f"dm_v_{table}" for table in WATCHED}
    return names | {"dm_v_organisations_i", "dm_v_organisations_u"}


def _drops(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in sorted(trigger_names(dialect))]
    tables = {**{f"dm_v_{table}": table for table in WATCHED}, "dm_v_organisations_i": "organisations"}
    tables["dm_v_organisations_u"] = "organisations"
    return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in sorted(tables.items())]


def install(conn: Connection) -> None:
    """(Re)create every counter trigger and a counter row for each organisation that has none; idempotent."""
    dialect = conn.dialect.name
    statements = _drops(dialect)
    for table, column in WATCHED.items():
        statements += _sqlite(table, column) if dialect == "sqlite" else _postgres(table, column)
    statements += _organisations(dialect)
    for statement in statements:
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql(
        "INSERT INTO org_versions (org_id, version) SELECT id, 1 FROM organisations "
        "WHERE id NOT IN (SELECT org_id FROM org_versions)"
    )


Counters = tuple[tuple[int, int], ...]


def counters(pairs: Iterable[tuple[int, int | None]]) -> Counters | None:
    """(org id, version) pairs as a cache key part, by id; None when one organisation has no counter (a store
    without the triggers): uncacheable."""
    found = sorted(pairs)
    if any(version is None for _, version in found):
        return None
    return tuple((int(org), int(version)) for org, version in found if version is not None)


def versions(conn: Connection, org_ids: Iterable[int] | None) -> Counters | None:
    """The change counters of the organisations asked for (None: every organisation), by id: a cache key part
    that changes with every change those organisations' pages show; None when one has none."""
    o, v = t.organisations.c, t.org_versions.c
    query = select(o.id, v.version).outerjoin(t.org_versions, v.org_id == o.id)
    if org_ids is not None:
        query = query.where(o.id.in_(sorted(set(org_ids))))
    return counters((int(r.id), r.version) for r in conn.execute(query))
