"""Report-parsing benchmark: devmaturity's JUnit and Cobertura readers on generated files of >= 200 MB.

For each file it prints throughput (MB/s) and peak memory (max RSS of a fresh process) of:
  baseline    a bare lxml iterparse pass (iterparse + clear) over the same file
  devmaturity read_junit() / cobertura.read()
  library     junitparser (JUnit) / pycobertura (Cobertura), the popular libraries
and the ratios devmaturity / baseline (target >= 0.7x) and devmaturity / library (target >= 3x);
devmaturity's peak memory target is <= 150 MB. Each measurement runs in its own process.

    python bench/report_parsing.py [--mb 200] [--repeat 3] [--skip-libraries]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
CACHE = ROOT / "bench" / ".cache"


def make_junit(path: Path, megabytes: int) -> None:
    rng = random.Random(7)
    target = megabytes * 1024 * 1024
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="bench">\n')
        written, suite = 0, 0
        while written < target:
            suite += 1
            cases = []
            for n in range(1000):
                name = f"test_case_{n}_{rng.randrange(10**6)}"
                body = ""
                roll = rng.random()
                if roll < 0.02:
                    body = (
                        f'<failure message="assert {n} == {n + 1}" type="AssertionError">Traceback line {n}\n'
                        f"  File x.py, line {n}</failure>"
                    )
                elif roll < 0.03:
                    body = '<skipped message="not on this platform"/>'
                cases.append(
                    f'  <testcase classname="pkg.module{suite}.TestThing" name="{name}" '
                    f'file="tests/test_module{suite}.py" line="{n}" time="0.{rng.randrange(999):03d}">'
                    f"{body}</testcase>\n"
                )
            chunk = (
                f'<testsuite name="suite{suite}" tests="1000" failures="0" errors="0" skipped="0" '
                f'time="1.0" timestamp="2026-11-20T10:00:00" hostname="ci">\n' + "".join(cases) + "</testsuite>\n"
            )
            out.write(chunk)
            written += len(chunk)
        out.write("</testsuites>\n")


def make_cobertura(path: Path, megabytes: int) -> None:
    rng = random.Random(11)
    target = megabytes * 1024 * 1024
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" ?>\n<!DOCTYPE coverage SYSTEM "https://cobertura.sourceforge.net/xml/coverage-04.dtd">\n'
            '<coverage version="7.6" timestamp="1732000000000" lines-valid="0" lines-covered="0" line-rate="0" '
            'branches-covered="0" branches-valid="0" branch-rate="0" complexity="0">\n'
            "<sources><source>/work/app</source></sources>\n<packages>\n"
        )
        written, pkg = 0, 0
        while written < target:
            pkg += 1
            parts = [f'<package name="pkg{pkg}" line-rate="0" branch-rate="0" complexity="0"><classes>\n']
            for c in range(20):
                parts.append(
                    f'<class name="mod{c}.py" filename="src/pkg{pkg}/mod{c}.py" line-rate="0" branch-rate="0" '
                    f'complexity="0"><methods/><lines>\n'
                )
                for line in range(1, 201):
                    hits = rng.choice((0, 1, 3))
                    if line % 10 == 0:
                        parts.append(
                            f'<line number="{line}" hits="{hits}" branch="true" '
                            f'condition-coverage="50% (1/2)" missing-branches="{line + 1}"/>\n'
                        )
                    else:
                        parts.append(f'<line number="{line}" hits="{hits}"/>\n')
                parts.append("</lines></class>\n")
            parts.append("</classes></package>\n")
            chunk = "".join(parts)
            out.write(chunk)
            written += len(chunk)
        out.write("</packages>\n</coverage>\n")


# --- the measured passes, each run in a child process: python bench/report_parsing.py --child NAME FILE ---


def child_baseline(path: Path) -> int:
    from lxml import etree

    count = 0
    for _, element in etree.iterparse(str(path), events=("end",), resolve_entities=False, no_network=True):
        count += 1
        element.clear(keep_tail=False)
    return count


def child_dm_junit(path: Path) -> int:
    from devmaturity.collectors.junit import read_junit

    return sum(1 for _ in read_junit(path))


def child_dm_cobertura(path: Path) -> int:
    from devmaturity.collectors.cobertura import read

    return read(path).lines_valid


def child_junitparser(path: Path) -> int:
    """junitparser doing the same job: every case's suite, classname, name, time and result."""
    from junitparser import JUnitXml

    xml = JUnitXml.fromfile(str(path))
    count = 0
    for suite in xml:
        for case in suite:
            _ = (suite.name, case.classname, case.name, case.time, [r.message for r in case.result])
            count += 1
    return count


def child_pycobertura(path: Path) -> int:
    from pycobertura import Cobertura

    cov = Cobertura(str(path))
    return sum(cov.total_statements(f) for f in cov.files())


CHILDREN = {
    "baseline": child_baseline,
    "dm_junit": child_dm_junit,
    "dm_cobertura": child_dm_cobertura,
    "junitparser": child_junitparser,
    "pycobertura": child_pycobertura,
}


def run_child(name: str, path: Path) -> tuple[float, float, int]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", name, str(path)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{name} failed: {done.stderr.strip().splitlines()[-1:]}")
    data = json.loads(done.stdout)
    return data["seconds"], data["rss_mb"], data["result"]


def measure(label: str, path: Path, ours: str, library: str | None, repeat: int) -> None:
    size_mb = path.stat().st_size / 1024 / 1024
    print(f"\n{label}: {path.name}, {size_mb:,.0f} MB", flush=True)
    rows = [("bare lxml iterparse", "baseline"), ("devmaturity", ours)]
    if library:
        rows.append((library, library))
    times: dict[str, float] = {}
    for title, name in rows:
        runs = [run_child(name, path) for _ in range(repeat)]
        seconds, rss, result = min(runs, key=lambda r: r[0])
        times[name] = seconds
        print(
            f"  {title:22s} {size_mb / seconds:8.1f} MB/s  {seconds:7.2f}s  peak {rss:7.0f} MB  (result {result:,})",
            flush=True,
        )
    print(f"  ratio devmaturity / bare iterparse: {times['baseline'] / times[ours]:.2f}x (target >= 0.70x)")
    if library:
        print(f"  ratio devmaturity / {library}: {times[library] / times[ours]:.2f}x (target >= 3x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--skip-libraries", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs per measurement")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, file = args.child
        started = time.perf_counter()
        result = CHILDREN[name](Path(file))
        seconds = time.perf_counter() - started
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"seconds": seconds, "rss_mb": rss, "result": result}))
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    junit_file, cobertura_file = CACHE / f"junit-{args.mb}mb.xml", CACHE / f"cobertura-{args.mb}mb.xml"
    for path, make in ((junit_file, make_junit), (cobertura_file, make_cobertura)):
        if not path.exists():
            print(f"generating {path} ...", flush=True)
            make(path, args.mb)
    measure("JUnit XML", junit_file, "dm_junit", None if args.skip_libraries else "junitparser", args.repeat)
    measure(
        "Cobertura XML", cobertura_file, "dm_cobertura", None if args.skip_libraries else "pycobertura", args.repeat
    )


if __name__ == "__main__":
    main()
