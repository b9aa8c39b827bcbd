"""Coverage readers, sniffing, normalisation and merging, on real producers' reports (tests/data/coverage)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from devmaturity.collectors import clover, cobertura, coveragepy, gocover, jacoco, lcov
from devmaturity.collectors.base import ReportError
from devmaturity.collectors.coverage_merge import merge, normalise, read_any, sniff
from devmaturity.collectors.xmlsafe import UnsafeXml
from devmaturity.model.evidence import CoverageSnapshot, FileCoverage

DATA = Path(__file__).parents[1] / "data" / "coverage"
Reader = Callable[[Path], CoverageSnapshot]

# file, format, (lines covered, valid, branches covered, valid), file count, one file's (path, lc, lv, bc, bv)
EXPECTED = [
    ("coveragepy-cobertura.xml", "cobertura", (22, 27, 12, 16), 3, ("calc/ops.py", 17, 20, 11, 14)),
    ("coveragepy.json", "coveragepy", (22, 27, 12, 16), 3, ("calc/ops.py", 17, 20, 11, 14)),
    ("coveragepy.lcov", "lcov", (22, 27, 12, 16), 3, ("calc/ops.py", 17, 20, 11, 14)),
    ("coveragepy-part1.xml", "cobertura", (15, 27, 7, 16), 3, ("calc/ops.py", 12, 20, 7, 14)),
    ("coveragepy-part2.xml", "cobertura", (13, 27, 5, 16), 3, ("calc/text.py", 4, 6, 1, 2)),
    ("gcovr-cobertura.xml", "cobertura", (17, 23, 12, 24), 3, ("src/calc.c", 8, 10, 5, 10)),
    ("istanbul-cobertura.xml", "cobertura", (26, 34, 8, 12), 2, ("src/ops.js", 17, 20, 6, 9)),
    ("istanbul.lcov", "lcov", (26, 34, 8, 12), 2, ("src/ops.js", 17, 20, 6, 9)),
    ("istanbul-clover.xml", "clover", (26, 34, 8, 12), 2, ("/tmp/jsproj/src/ops.js", 17, 20, 6, 9)),
    ("java-cobertura.xml", "cobertura", (8, 14, 5, 10), 2, ("com/example/calc/Calc.java", 6, 10, 3, 6)),
    ("jacoco.xml", "jacoco", (20, 33, 21, 34), 3, ("com/example/calc/Calc.java", 11, 19, 11, 16)),
    ("go-coverprofile.out", "gocover", (11, 16, 0, 0), 2, ("example.com/gocov/mathx/mathx.go", 9, 12, 0, 0)),
    ("phpunit-clover.xml", "clover", (5, 8, 0, 0), 2, ("/home/ci/app/src/Calculator.php", 4, 6, 0, 0)),
]


def _totals(s: CoverageSnapshot) -> tuple[int, int, int, int]:
    return s.lines_covered, s.lines_valid, s.branches_covered, s.branches_valid


def _row(f: FileCoverage) -> tuple[str, int, int, int, int]:
    return f.path, f.lines_covered, f.lines_valid, f.branches_covered, f.branches_valid


@pytest.mark.parametrize(("name", "fmt", "totals", "count", "one"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_exact_totals(
    name: str, fmt: str, totals: tuple[int, ...], count: int, one: tuple[str, int, int, int, int]
) -> None:
    assert sniff(DATA / name) == fmt
    snapshot = read_any(DATA / name)
    assert snapshot.format == fmt
    assert _totals(snapshot) == totals
    assert len(snapshot.files) == count
    assert one in [_row(f) for f in snapshot.files]
    assert sum(f.lines_valid for f in snapshot.files) == snapshot.lines_valid


def test_coveragepy_three_outputs_of_one_run_agree() -> None:
    xml = cobertura.read(DATA / "coveragepy-cobertura.xml")
    json = coveragepy.read(DATA / "coveragepy.json")
    info = lcov.read(DATA / "coveragepy.lcov")
    assert _totals(xml) == _totals(json) == _totals(info)
    assert sorted(map(_row, xml.files)) == sorted(map(_row, json.files)) == sorted(map(_row, info.files))
    assert xml.timestamp is not None and json.timestamp is None


def test_istanbul_three_outputs_of_one_run_agree() -> None:
    xml = cobertura.read(DATA / "istanbul-cobertura.xml")
    info = lcov.read(DATA / "istanbul.lcov")
    clv = normalise(clover.read(DATA / "istanbul-clover.xml"), Path("/tmp/jsproj"), None)
    assert sorted(map(_row, xml.files)) == sorted(map(_row, info.files)) == sorted(map(_row, clv.files))


def test_go_blocks_from_several_test_binaries_count_once() -> None:
    # `go tool cover -func` on the same profile says 68.8% of statements (11 of 16).
    snapshot = gocover.read(DATA / "go-coverprofile.out")
    assert (snapshot.lines_covered, snapshot.lines_valid) == (11, 16)
    assert {f.path: (f.lines_covered, f.lines_valid) for f in snapshot.files}["example.com/gocov/textx/textx.go"] == (
        2,
        4,
    )


def test_cobertura_java_classes_of_one_file_are_a_union() -> None:
    # The report's own lines-valid (15) counts line 20 twice: once in Calc, once in Calc$Counter.
    snapshot = cobertura.read(DATA / "java-cobertura.xml")
    assert snapshot.lines_valid == 14


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def _cobertura(classes: str) -> str:
    return f'<?xml version="1.0" ?>\n<coverage line-rate="0" timestamp="1700000000"><packages>{classes}</packages></coverage>'


def _cls(filename: str, lines: str) -> str:
    return f'<package name="p"><classes><class name="c" filename="{filename}"><lines>{lines}</lines></class></classes></package>'


def test_cobertura_scattered_classes_of_one_file_are_recounted(tmp_path: Path) -> None:
    lines_a = '<line number="1" hits="1"/><line number="2" hits="0" branch="true" condition-coverage="0% (0/2)"/>'
    lines_b = '<line number="2" hits="3" branch="true" condition-coverage="50% (1/2)"/><line number="3" hits="0"/>'
    xml = _cobertura(_cls("a.py", lines_a) + _cls("b.py", '<line number="1" hits="1"/>') + _cls("a.py", lines_b))
    snapshot = cobertura.read(_write(tmp_path, "c.xml", xml))
    assert [_row(f) for f in snapshot.files] == [("a.py", 2, 3, 1, 2), ("b.py", 1, 1, 0, 0)]
    assert _totals(snapshot) == (3, 4, 1, 2)


JACOCO_GROUPED = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd"><report name="all"><sessioninfo id="a" start="1700000000000" dump="1700000005000"/><group name="core"><package name="org/x"><class name="org/x/A" sourcefilename="A.java"><counter type="LINE" missed="1" covered="3"/><counter type="BRANCH" missed="1" covered="1"/></class><class name="org/x/Gen"><counter type="BRANCH" missed="2" covered="0"/></class><sourcefile name="A.java"><line nr="3" mi="0" ci="3" mb="0" cb="0"/><counter type="INSTRUCTION" missed="4" covered="9"/><counter type="LINE" missed="1" covered="3"/><counter type="BRANCH" missed="1" covered="1"/></sourcefile><counter type="LINE" missed="1" covered="3"/></package><counter type="LINE" missed="1" covered="3"/></group><group name="web"><package name=""><class name="B" sourcefilename="B.java"/><sourcefile name="B.java"><counter type="LINE" missed="2" covered="0"/></sourcefile></package></group><counter type="INSTRUCTION" missed="9" covered="9"/><counter type="BRANCH" missed="3" covered="1"/><counter type="LINE" missed="3" covered="3"/></report>"""


def test_jacoco_groups_default_package_and_classes_without_source(tmp_path: Path) -> None:
    snapshot = jacoco.read(_write(tmp_path, "jacoco.xml", JACOCO_GROUPED))
    assert [_row(f) for f in snapshot.files] == [("org/x/A.java", 3, 4, 1, 2), ("B.java", 0, 2, 0, 0)]
    assert _totals(snapshot) == (3, 6, 1, 2)  # the unattributed class's 2 branches are in no file
    assert snapshot.timestamp is not None and snapshot.timestamp.year == 2023


def test_lcov_duplicate_records_merge(tmp_path: Path) -> None:
    text = (
        "TN:unit\nSF:src/a.c\nDA:1,1\nDA:2,0\nBRDA:2,0,0,-\nBRDA:2,0,1,-\nLF:2\nLH:1\nend_of_record\n"
        "TN:integration\nSF:src/a.c\nDA:2,4\nDA:3,0\nBRDA:2,0,0,1\nBRDA:2,0,1,0\nend_of_record\n"
    )
    snapshot = lcov.read(_write(tmp_path, "a.info", text))
    assert [_row(f) for f in snapshot.files] == [("src/a.c", 2, 3, 1, 2)]


def test_coveragepy_format_1_has_no_format_field(tmp_path: Path) -> None:
    text = '{"meta": {"version": "5.5"}, "files": {"a.py": {"summary": {"covered_lines": 2, "num_statements": 3}}}}'
    assert _totals(coveragepy.read(_write(tmp_path, "c.json", text))) == (2, 3, 0, 0)


def test_clover_from_lines_and_without_test_project(tmp_path: Path) -> None:
    xml = (
        '<coverage generated="1700000000000" clover="4.4.1"><project name="p">'
        '<package name="x"><file name="A.java" path="/w/src/A.java">'
        '<line num="3" count="2" type="stmt"/><line num="4" count="0" type="stmt"/>'
        '<line num="5" type="cond" truecount="1" falsecount="0"/><line num="2" count="1" type="method"/>'
        '</file></package></project><testproject name="t"><package name="x"><file name="ATest.java" path="/w/t/ATest.java">'
        '<metrics statements="9" coveredstatements="9" conditionals="0" coveredconditionals="0"/></file></package></testproject></coverage>'
    )
    snapshot = clover.read(_write(tmp_path, "clover.xml", xml))
    assert [_row(f) for f in snapshot.files] == [("/w/src/A.java", 1, 2, 1, 2)]


def _snap(*files: tuple[str, int, int, int, int], fmt: str = "cobertura") -> CoverageSnapshot:
    return CoverageSnapshot(
        format=fmt,
        lines_covered=sum(f[1] for f in files),
        lines_valid=sum(f[2] for f in files),
        branches_covered=sum(f[3] for f in files),
        branches_valid=sum(f[4] for f in files),
        files=tuple(
            FileCoverage(path=p, lines_covered=a, lines_valid=b, branches_covered=c, branches_valid=d)
            for p, a, b, c, d in files
        ),
    )


NORMALISE = [
    ("./src/a.py", None, None, "src/a.py"),
    ("src\\pkg\\a.py", None, None, "src/pkg/a.py"),
    ("src/./pkg//../a.py", None, None, "src/a.py"),
    ("/repo/src/a.py", Path("/repo"), None, "src/a.py"),
    ("/elsewhere/src/a.py", Path("/repo"), None, "/elsewhere/src/a.py"),
    ("C:\\agent\\_work\\1\\s\\src\\a.py", None, {"src/a.py", "src/b.py"}, "src/a.py"),
    (
        "com/example/Foo.java",
        None,
        {"core/src/main/java/com/example/Foo.java", "README.md"},
        "core/src/main/java/com/example/Foo.java",
    ),
    ("example.com/gocov/mathx/mathx.go", None, {"mathx/mathx.go", "go.mod"}, "mathx/mathx.go"),
    ("x/pkg/a.py", None, {"pkg/a.py", "other/a.py"}, "pkg/a.py"),
    ("a.py", None, {"a.py", "sub/a.py"}, "a.py"),
    ("Foo.java", None, {"a/Foo.java", "b/Foo.java"}, "Foo.java"),
    ("gen/x.py", None, {"src/y.py"}, "gen/x.py"),
]


@pytest.mark.parametrize(("raw", "root", "tracked", "expected"), NORMALISE)
def test_normalise_paths(raw: str, root: Path | None, tracked: set[str] | None, expected: str) -> None:
    snapshot = normalise(_snap((raw, 1, 2, 0, 0)), root, tracked)
    assert [f.path for f in snapshot.files] == [expected]


def test_normalise_folds_two_spellings_of_one_file() -> None:
    snapshot = normalise(_snap(("./a.py", 3, 4, 1, 2), ("a.py", 2, 5, 0, 0), ("b.py", 1, 1, 0, 0)), None, None)
    assert [_row(f) for f in snapshot.files] == [("a.py", 3, 5, 1, 2), ("b.py", 1, 1, 0, 0)]
    assert _totals(snapshot) == (4, 6, 1, 2)


def test_merge_two_partial_runs() -> None:
    part1 = normalise(read_any(DATA / "coveragepy-part1.xml"), None, None)
    part2 = normalise(read_any(DATA / "coveragepy-part2.xml"), None, None)
    merged = merge([part1, part2])
    rows = {f.path: _row(f)[1:] for f in merged.files}
    assert rows == {"calc/__init__.py": (1, 1, 0, 0), "calc/ops.py": (12, 20, 7, 14), "calc/text.py": (4, 6, 1, 2)}
    assert _totals(merged) == (17, 27, 8, 16)
    assert merged.format == "cobertura"
    assert part1.timestamp is not None and part2.timestamp is not None
    assert merged.timestamp == max(part1.timestamp, part2.timestamp)


def test_merge_different_formats_and_files() -> None:
    merged = merge([_snap(("a.py", 1, 2, 0, 0)), _snap(("a.py", 2, 2, 0, 0), ("b.go", 3, 9, 0, 0), fmt="gocover")])
    assert [_row(f) for f in merged.files] == [("a.py", 2, 2, 0, 0), ("b.go", 3, 9, 0, 0)]
    assert merged.format == "cobertura+gocover"
    with pytest.raises(ValueError, match="at least one"):
        merge([])


def test_sniff_by_content_then_name(tmp_path: Path) -> None:
    assert sniff(_write(tmp_path, "lcov.info", b"")) == "lcov"
    assert sniff(_write(tmp_path, "junit.xml", b'<?xml version="1.0"?><testsuites/>')) is None
    assert sniff(_write(tmp_path, "notes.txt", b"hello")) is None
    assert (
        sniff(_write(tmp_path, "x.xml", b'<!-- <report> --><coverage generated="1"><project/></coverage>')) == "clover"
    )
    with pytest.raises(ReportError, match="not a coverage report in a known format"):
        read_any(tmp_path / "notes.txt")
    with pytest.raises(ReportError, match="empty file"):
        read_any(tmp_path / "lcov.info")


def _cut(name: str, keep: float = 0.5) -> bytes:
    raw = (DATA / name).read_bytes()
    return raw[: int(len(raw) * keep)]


COBERTURA_ROOT = '<coverage line-rate="1">'
BAD = [
    # Cobertura
    (
        cobertura.read,
        "c.xml",
        b'<?xml version="1.0"?>\n<report name="x"/>',
        "not a Cobertura report: root element is <report>",
    ),
    (cobertura.read, "c.xml", b'<coverage generated="1"><project/></coverage>', "no line-rate attribute"),
    (cobertura.read, "c.xml", b"<coverage line-rate='1'>\n<packages>\n<package></classes>", "malformed XML at line 3"),
    (cobertura.read, "c.xml", b"", "empty file (0 bytes)"),
    (cobertura.read, "c.xml", _cut("coveragepy-cobertura.xml"), "malformed XML at line"),
    (cobertura.read, "c.xml", b"SF:a.py\nDA:1,1\nend_of_record\n", "not XML: text before the first element"),
    (
        cobertura.read,
        "c.xml",
        (COBERTURA_ROOT + _cls("a.py", '<line number="1"/>') + "</coverage>").encode(),
        "a.py: a <line> has no hits attribute",
    ),
    (
        cobertura.read,
        "c.xml",
        (COBERTURA_ROOT + _cls("a.py", '<line number="1" hits="x"/>') + "</coverage>").encode(),
        "not a whole number",
    ),
    (
        cobertura.read,
        "c.xml",
        (
            COBERTURA_ROOT
            + _cls("a.py", '<line number="1" hits="1" branch="true" condition-coverage="50%"/>')
            + "</coverage>"
        ).encode(),
        "is not like '50% (1/2)'",
    ),
    (
        cobertura.read,
        "c.xml",
        (COBERTURA_ROOT + '<class name="A"><lines/></class></coverage>').encode(),
        "<class name='A'> has no filename attribute",
    ),
    # JaCoCo
    (jacoco.read, "j.xml", b'<coverage line-rate="1"/>', "not a JaCoCo report: root element is <coverage>"),
    (jacoco.read, "j.xml", _cut("jacoco.xml"), "malformed XML at line 1"),
    (jacoco.read, "j.xml", b"", "empty file"),
    (
        jacoco.read,
        "j.xml",
        JACOCO_GROUPED.replace('missed="3" covered="3"', 'missed="3" covered="4"').encode(),
        "report-level LINE counter says 4 of 7 covered, but the source files add up to 3 of 6",
    ),
    (
        jacoco.read,
        "j.xml",
        b'<report name="r"><package name="p"><sourcefile name="A.java"><counter type="LINE" missed="-1" covered="1"/></sourcefile></package></report>',
        "not whole numbers",
    ),
    # lcov
    (lcov.read, "a.info", b"SF:a.c\nDA:1\nend_of_record\n", "lcov: line 2: expected DA:<line>,<hits>"),
    (
        lcov.read,
        "a.info",
        b"SF:a.c\nBRDA:1,0,x\nend_of_record\n",
        "lcov: line 2: expected BRDA:<line>,<block>,<branch>,<taken>",
    ),
    (lcov.read, "a.info", b"SF:a.c\nDA:1,1\n", "file ends inside the record of 'a.c' (truncated?)"),
    (lcov.read, "a.info", b"TN:\nhello world\n", "lcov: line 2: expected KEY:value or end_of_record"),
    (lcov.read, "a.info", b"DA:1,1\n", "lcov: line 1: DA outside a record"),
    (lcov.read, "a.info", b"TN:x\n", "not an lcov tracefile: no SF record"),
    (lcov.read, "a.info", b"SF:a.c\nSF:b.c\n", "lcov: line 2: SF before the end_of_record of 'a.c'"),
    (lcov.read, "a.info", b"SF:\xff\xfe.c\n", "lcov: line 1: not UTF-8"),
    (lcov.read, "a.info", b"", "empty file"),
    # coverage.py JSON
    (coveragepy.read, "c.json", b'{"meta": {"format": 3}}', "not a coverage.py JSON report: missing 'files'"),
    (coveragepy.read, "c.json", b'{"files": {}}', "not a coverage.py JSON report: missing 'meta'"),
    (
        coveragepy.read,
        "c.json",
        b'{"meta": {"format": 99}, "files": {}}',
        "unsupported coverage.py JSON meta.format 99",
    ),
    (coveragepy.read, "c.json", b"[1, 2]", "the top level is a list"),
    (coveragepy.read, "c.json", _cut("coveragepy.json"), "malformed JSON at line"),
    (
        coveragepy.read,
        "c.json",
        b'{"meta": {}, "files": {"a.py": {"summary": {"covered_lines": 1}}}}',
        "files['a.py'].summary: missing 'num_statements'",
    ),
    (
        coveragepy.read,
        "c.json",
        b'{"meta": {}, "files": {"a.py": {"summary": {"covered_lines": 3, "num_statements": 2}}}}',
        "covered 3 of 2 is impossible",
    ),
    (
        coveragepy.read,
        "c.json",
        b'{"meta": {}, "files": {}, "totals": {"covered_lines": 1}}',
        "totals.covered_lines is 1 but the files add up to 0",
    ),
    (coveragepy.read, "c.json", b"", "empty file"),
    # Go cover profile
    (
        gocover.read,
        "c.out",
        b"a.go:1.1,2.2 1 1\n",
        "not a Go coverage profile: line 1 comes before a 'mode: set|count|atomic' line",
    ),
    (gocover.read, "c.out", b"mode: fast\n", "unknown mode 'fast'"),
    (
        gocover.read,
        "c.out",
        b"mode: set\na.go:1.1,2.2 1 1\na.go:1.1,2.",
        "gocover: line 3: expected <file>:<line>.<col>,<line>.<col> <statements> <count>",
    ),
    (
        gocover.read,
        "c.out",
        b"mode: set\na.go:1.1,2.2 1 1\na.go:1.1,2.2 2 0\n",
        "block has 2 statements here but 1 before",
    ),
    (gocover.read, "c.out", b"\n", "no 'mode:' line"),
    (gocover.read, "c.out", b"", "empty file"),
    # Clover
    (clover.read, "c.xml", b"<report/>", "not a Clover report: root element is <report>"),
    (clover.read, "c.xml", b'<coverage line-rate="1"/>', "no generated attribute (a Cobertura report?)"),
    (
        clover.read,
        "c.xml",
        b'<coverage generated="1"><project><file name="a"><metrics statements="x"/></file></project></coverage>',
        "statements='x' is not a whole number",
    ),
    (clover.read, "c.xml", _cut("istanbul-clover.xml"), "malformed XML at line"),
    (clover.read, "c.xml", b"", "empty file"),
]


@pytest.mark.parametrize(("read", "name", "content", "message"), BAD)
def test_bad_input_is_a_clear_report_error(
    tmp_path: Path, read: Reader, name: str, content: bytes, message: str
) -> None:
    with pytest.raises(ReportError) as caught:
        read(_write(tmp_path, name, content))
    assert message in str(caught.value)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE coverage [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<coverage line-rate="1"><packages><package name="&lol9;"><classes><class name="a" filename="&lol9;"><lines/></class></classes></package></packages></coverage>
"""


@pytest.mark.parametrize("read", [cobertura.read, read_any])
def test_billion_laughs_rejected_before_expansion(tmp_path: Path, read: Reader) -> None:
    started = time.perf_counter()
    with pytest.raises(UnsafeXml, match="declares XML entities"):
        read(_write(tmp_path, "coverage.xml", BILLION_LAUGHS))
    assert time.perf_counter() - started < 1


def _big_cobertura(path: Path, target_bytes: int) -> int:
    """A gcovr-like report of 200-line classes; returns the class count. Per class: 150 of 200 lines hit, 28/56 branches."""
    line = '<line number="{0}" hits="{1}"/>\n'
    branch = '<line number="{0}" hits="{1}" branch="true" condition-coverage="50% (1/2)"/>\n'
    body = "".join((branch if n % 7 == 0 else line).format(n, n % 4) for n in range(1, 201))
    classes = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" ?>\n<coverage line-rate="0.75" timestamp="1700000000"><packages>\n')
        while out.tell() < target_bytes:
            out.write(f'<package name="p{classes}"><classes>')
            for _ in range(10):
                out.write(
                    f'<class name="c{classes}" filename="pkg/m{classes}.c"><methods/><lines>\n{body}</lines></class>\n'
                )
                classes += 1
            out.write("</classes></package>\n")
        out.write("</packages></coverage>\n")
    return classes


SRC = Path(__file__).parents[2] / "src"
MEASURE = """
import sys
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from devmaturity.collectors.cobertura import read
def peak():  # VmHWM: this process's own peak (ru_maxrss would carry the forking parent's over exec)
    return int(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
before = peak()
s = read(Path(sys.argv[1]))
after = peak()
print(s.lines_covered, s.lines_valid, s.branches_covered, s.branches_valid, len(s.files), (after - before) * 1024)
"""


def test_cobertura_streams_a_30_mb_report_in_flat_memory(tmp_path: Path) -> None:
    report = tmp_path / "big.xml"
    classes = _big_cobertura(report, 30 * 1024 * 1024)
    size = report.stat().st_size
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(report), str(SRC)], capture_output=True, text=True, check=True
    )
    *counts, growth = map(int, out.stdout.split())
    assert counts == [150 * classes, 200 * classes, 28 * classes, 56 * classes, classes]
    assert growth < size / 3, f"peak memory grew by {growth:,} bytes reading a {size:,}-byte report"


def test_jacoco_without_sourcefilename_is_not_counted_twice() -> None:
    """jacoco-no-sourcefilename.xml is the real jacoco.xml with every `sourcefilename` attribute removed, the shape
    older JaCoCo wrote. Its classes Text, Calc, Calc$Counter and Main all have a <sourcefile> in their package
    (Text.java, Calc.java, Main.java), so the totals are the source files' alone, as for the real file:
    20 of 33 lines, 21 of 34 branches (before, the class counters were added on top: 40 of 66, rejected)."""
    old = jacoco.read(DATA / "jacoco-no-sourcefilename.xml")
    new = jacoco.read(DATA / "jacoco.xml")
    assert _totals(old) == _totals(new) == (20, 33, 21, 34)
    assert [_row(f) for f in old.files] == [_row(f) for f in new.files]


JACOCO_OLD_SHAPE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?><report name="old"><package name="org/x"><class name="org/x/A"><counter type="LINE" missed="1" covered="3"/></class><class name="org/x/A$1"><counter type="LINE" missed="0" covered="1"/></class><class name="org/x/UtilKt"><counter type="LINE" missed="2" covered="2"/></class><class name="org/x/Generated"><counter type="LINE" missed="5" covered="0"/></class><sourcefile name="A.java"><counter type="LINE" missed="1" covered="4"/></sourcefile><sourcefile name="Util.kt"><counter type="LINE" missed="2" covered="2"/></sourcefile><counter type="LINE" missed="8" covered="6"/></package><counter type="LINE" missed="8" covered="6"/></report>"""


def test_jacoco_old_shape_counts_only_classes_without_a_source_file(tmp_path: Path) -> None:
    """No class names its source file. A and its anonymous A$1 are in A.java (4 of 5 lines), UtilKt is Kotlin's
    file class of Util.kt (2 of 4): both only through their source files. Generated has no source file: its
    0 of 5 lines are in no file (as for a class without source today). The report declares the files plus
    Generated: 6 of 9 + 0 of 5 = 6 of 14 (missed 8), so it is consistent and read; adding the class counters
    of A, A$1 and UtilKt on top would make 12 of 24 and reject it."""
    snapshot = jacoco.read(_write(tmp_path, "old.xml", JACOCO_OLD_SHAPE))
    assert [_row(f) for f in snapshot.files] == [("org/x/A.java", 4, 5, 0, 0), ("org/x/Util.kt", 2, 4, 0, 0)]
    assert (snapshot.lines_covered, snapshot.lines_valid) == (6, 9)


def test_cobertura_line_repeated_in_one_class_counts_once(tmp_path: Path) -> None:
    """Class lines 1 (hit), 2 (missed), 2 again (hit, branch 1/2), 3 (missed), 3 again (missed): 3 line numbers,
    2 covered (1, and 2 hit by its second copy); branches of line 2: 1 of 2. The old count took 5 lines."""
    lines = (
        '<line number="1" hits="1"/><line number="2" hits="0"/>'
        '<line number="2" hits="2" branch="true" condition-coverage="50% (1/2)"/>'
        '<line number="3" hits="0"/><line number="3" hits="0"/>'
    )
    snapshot = cobertura.read(_write(tmp_path, "c.xml", _cobertura(_cls("a.py", lines))))
    assert [_row(f) for f in snapshot.files] == [("a.py", 2, 3, 1, 2)]


def test_cobertura_method_copy_and_class_lines_count_once(tmp_path: Path) -> None:
    """Line 5 is in the method's <lines> and in the class's: one line (Java Cobertura writes both)."""
    xml = _cobertura(
        '<package name="p"><classes><class name="C" filename="C.java"><methods><method name="m" signature="()V">'
        '<lines><line number="5" hits="1"/></lines></method></methods>'
        '<lines><line number="5" hits="1"/><line number="6" hits="0"/></lines></class></classes></package>'
    )
    snapshot = cobertura.read(_write(tmp_path, "c.xml", xml))
    assert [_row(f) for f in snapshot.files] == [("C.java", 1, 2, 0, 0)]
