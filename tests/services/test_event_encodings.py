"""Event files as Excel writes them on Chinese Windows: GBK text. `--encoding auto` (the default) reads UTF-8 and,
when a file is not UTF-8, reads it as GB18030 (a superset of GBK) and says so; `--encoding gbk` reads it directly;
a file that is neither stays one clear problem. The GBK file is made here by encoding a CSV in the schema of
docs/events.md with Python's GBK codec, which is the code page Excel uses for "CSV (comma delimited)" there."""

from __future__ import annotations

from pathlib import Path

import pytest

from devmaturity.cli.main import run
from devmaturity.store.db import Store

CSV = (
    "id,environment,status,created_at,finished_at,commit\n"
    "发布-1,生产,成功,2026-11-02T20:00:00+08:00,2026-11-02T20:10:00+08:00,abc123\n"
    "发布-2,测试环境,成功,2026-11-03T10:00:00+08:00,2026-11-03T10:05:00+08:00,abc124\n"
)


def _stored(db: str) -> list[tuple[str, str]]:
    store = Store.open(db)
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT ext_id, environment FROM deployments ORDER BY ext_id").all()
    store.engine.dispose()
    return [(str(a), str(b)) for a, b in rows]


def test_a_gbk_file_is_read_as_gb18030_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "deployments.csv"
    path.write_bytes(CSV.encode("gbk"))
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert run(["ingest", "--kind", "deployments", "--project", "p", "--db", db, str(path)]) == 0
    err = capsys.readouterr().err
    assert f"{path}: not UTF-8 text, read as GB18030 (which covers GBK)" in err
    assert _stored(db) == [("发布-1", "生产"), ("发布-2", "测试环境")]


def test_an_explicit_encoding_reads_it_without_a_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "deployments.csv"
    path.write_bytes(CSV.encode("gbk"))
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert run(["ingest", "--kind", "deployments", "--project", "p", "--db", db, "--encoding", "gbk", str(path)]) == 0
    assert "GB18030" not in capsys.readouterr().err
    assert len(_stored(db)) == 2


def test_utf8_forced_on_a_gbk_file_is_one_problem_and_stores_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deployments.csv"
    path.write_bytes(CSV.encode("gbk"))
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert (
        run(["ingest", "--kind", "deployments", "--project", "p", "--db", db, "--encoding", "utf-8", str(path)]) == 65
    )
    err = capsys.readouterr().err
    assert "line 2: not utf-8 text" in err
    assert _stored(db) == []
