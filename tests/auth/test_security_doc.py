"""docs/security.md's roles table is the one in auth/roles.py, cell by cell."""

from __future__ import annotations

from pathlib import Path

from devmaturity.auth.roles import PERMISSIONS, Action, Role

DOC = Path(__file__).parents[2] / "docs" / "security.md"


def _table() -> dict[str, dict[str, bool]]:
    lines = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header[0] == "action"
    table: dict[str, dict[str, bool]] = {}
    for line in lines[1:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert set(cells[1:]) <= {"✓", "—"}, line
        table[cells[0].strip("`")] = {role: cell == "✓" for role, cell in zip(header[1:], cells[1:], strict=True)}
    return table


def test_the_documented_roles_table_matches_the_code() -> None:
    table = _table()
    assert list(table) == [a.value for a in Action]
    assert all(list(row) == [r.value for r in Role] for row in table.values())
    wrong = [(a.value, r.value) for a in Action for r in Role if table[a.value][r.value] != (a in PERMISSIONS[r])]
    assert wrong == []
