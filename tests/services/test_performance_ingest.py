"""`devmaturity ingest --kind performance`: JMeter JTL files into the store on SQLite and PostgreSQL, observed at
the run's own start, stored once, a bad file a one-line problem naming it while the good one is still stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from devmaturity.cli.main import run
from devmaturity.config import Config
from devmaturity.metrics.registry import Inputs, compute
from devmaturity.model.metric import Window
from devmaturity.services.ingest import discover
from devmaturity.store.db import DEFAULT_POOL, Pool, Store

DATA = Path(__file__).parents[1] / "data" / "jtl"
START = datetime(2024, 5, 5, 9, 6, 40, tzinfo=UTC)  # the first sample of the fixtures


def test_jtl_files_are_ingested_once_and_read_back(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[Store] = []
    real_open = Store.open

    def tracked_open(url: str, pool: Pool = DEFAULT_POOL) -> Store:  # the CLI leaves its engine to the process
        opened.append(real_open(url, pool))  # exit; a test closes it
        return opened[-1]

    monkeypatch.setattr(Store, "open", staticmethod(tracked_open))

    def ingest(*files: Path, kind: str = "performance") -> tuple[int, str]:
        code = run(["ingest", "--kind", kind, "--project", "shop", "--db", store_url, *map(str, files)])
        for store in opened:
            store.engine.dispose()
        captured = capsys.readouterr()
        return code, " ".join((captured.out + captured.err).split())

    bad = tmp_path / "broken.jtl"
    bad.write_text("timeStamp,elapsed,label,success\n1714900000000,abc,home,true\n", encoding="utf-8")
    code, output = ingest(DATA / "results.csv.jtl", bad)
    assert code == 65, output  # the data error exit code: one file rejected, the other stored
    assert f"problem: {bad}: line 2, field elapsed: expected whole milliseconds, got 'abc'" in output
    assert "samples 10, errors 4, error_rate 0.4, throughput 2.083, p95_ms 300.0, labels 2" in output
    code, output = ingest(DATA / "results.xml.jtl", kind="jmeter")  # the alias; same run, other bytes
    assert code == 0, output
    code, output = ingest(DATA / "results.csv.jtl")
    assert code == 0 and "already ingested (same content)" in output
    store = real_open(store_url)
    try:
        project = store.project("shop", "")
        assert store.count_rows("performance_runs", project) == 2
        runs = store.load_performance(project, datetime(2024, 1, 1, tzinfo=UTC))
        assert [(r.summary.format, r.observed_at) for r in runs] == [("jtl-csv", START), ("jtl-xml", START)]
        csv_run = runs[0].summary
        assert (csv_run.samples, csv_run.errors, csv_run.p50_ms, csv_run.p99_ms, csv_run.mean_ms) == (
            10,
            4,
            80,
            300,
            87.5,
        )
        assert (csv_run.started_at, csv_run.ended_at) == (START, datetime(2024, 5, 5, 9, 6, 44, 800000, tzinfo=UTC))
        assert [(x.label, x.samples, x.errors, x.p95_ms) for x in csv_run.labels] == [
            ("home", 6, 0, 300.0),
            ("missing, page", 4, 4, 25.0),
        ]
        window = Window(start=datetime(2024, 5, 1, tzinfo=UTC), end=datetime(2024, 6, 1, tzinfo=UTC))
        rate = compute("performance_error_rate", Inputs(performance=runs), window)
        assert rate.value == 0.4 and rate.sample_size == 20  # 8 errors of 20 samples over the two files
    finally:
        store.engine.dispose()


def test_discovery_finds_untracked_jtl_files(tmp_path: Path) -> None:
    (tmp_path / "target" / "jmeter").mkdir(parents=True)
    found_file = tmp_path / "target" / "jmeter" / "run.jtl"
    found_file.write_text("", encoding="utf-8")
    found = discover(tmp_path, Config(), tracked=set())
    assert [str(p) for kind, paths in found.items() if kind.value == "performance" for p in paths] == [str(found_file)]
