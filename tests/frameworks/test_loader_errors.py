"""A broken model file gives one error naming the file, the key path and the bad value."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from devmaturity.errors import ModelFileError, UnknownFrameworkError
from devmaturity.frameworks.loader import load_framework, validate_path

TINY = Path(__file__).parents[1] / "data" / "models" / "tiny"


def _broken(tmp_path: Path, mutate: object) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "framework.yaml").write_text((TINY / "framework.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    doc = yaml.safe_load((TINY / "tiny.yaml").read_text(encoding="utf-8"))
    mutate(doc)  # type: ignore[operator]
    (folder / "tiny.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return folder


def _item(doc: dict, i: int = 0) -> dict:  # type: ignore[type-arg]
    return doc["part"]["subdomains"][0]["items"][i]  # type: ignore[no-any-return]


CASES = [
    (
        lambda d: _item(d)["levels"][3]["criteria"][0].update(op="=>"),
        "part.subdomains[0].items[0].levels.3.criteria[0].op",
        "'=>'",
        "unknown operator",
    ),
    (
        lambda d: _item(d)["levels"][2]["criteria"][0].update(fact="ci.exists"),
        "part.subdomains[0].items[0].levels.2.criteria[0].fact",
        "'ci.exists'",
        "unknown fact id",
    ),
    (
        lambda d: _item(d)["levels"][3]["criteria"][0].update(metric="velocity"),
        "part.subdomains[0].items[0].levels.3.criteria[0].metric",
        "'velocity'",
        "unknown metric id",
    ),
    (lambda d: _item(d, 1)["levels"].pop(3), "part.subdomains[0].items[1].levels", "[1, 2, 4]", "level 3 is missing"),
    (lambda d: _item(d)["name"].pop("zh"), "part.subdomains[0].items[0].name.zh", "None", "non-empty zh text"),
    (
        lambda d: _item(d, 1)["levels"][2]["criteria"][0].update(window="thirty days"),
        "part.subdomains[0].items[1].levels.2.criteria[0].window",
        "'thirty days'",
        "a window like 90d",
    ),
    (
        lambda d: _item(d, 1)["levels"][4].update(criteria=[]),
        "part.subdomains[0].items[1].levels.4.criteria",
        "[]",
        "at least one criterion",
    ),
    (lambda d: _item(d, 1).update(id="T.A.ONE"), "part.subdomains[0].items[1].id", "'T.A.ONE'", "duplicate id"),
    (
        lambda d: _item(d)["levels"][3]["criteria"][0].update(value="high"),
        "part.subdomains[0].items[0].levels.3.criteria[0].value",
        "'high'",
        "a number is required",
    ),
    (
        lambda d: _item(d)["levels"][2]["criteria"][0].update(answer={"zh": "?", "en": "?"}),
        "part.subdomains[0].items[0].levels.2.criteria[0]",
        "['answer', 'fact']",
        "exactly one of",
    ),
    (
        lambda d: _item(d).update(source="folklore"),
        "part.subdomains[0].items[0].source",
        "'folklore'",
        "must be one of standard",
    ),
]


@pytest.mark.parametrize(("mutate", "key_path", "value", "problem"), CASES)
def test_error_names_file_key_path_and_value(
    tmp_path: Path, mutate: object, key_path: str, value: str, problem: str
) -> None:
    folder = _broken(tmp_path, mutate)
    with pytest.raises(ModelFileError) as caught:
        load_framework(str(folder))
    err = caught.value
    assert err.file == "tiny.yaml"
    assert err.key_path == key_path
    assert f"(got {value})" in str(err)
    assert problem in err.problem
    assert str(err).startswith(f"tiny.yaml: at {key_path}: ")


def test_wrong_format_number(tmp_path: Path) -> None:
    folder = _broken(tmp_path, lambda d: d.update(format=2))
    with pytest.raises(ModelFileError, match=r"tiny.yaml: at format: unsupported format.*\(got 2\)"):
        load_framework(str(folder))


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: 1\npart: {key: [\n", encoding="utf-8")
    with pytest.raises(ModelFileError, match=r"bad.yaml: at <root>: YAML syntax error"):
        validate_path(bad)


def test_unknown_framework() -> None:
    with pytest.raises(UnknownFrameworkError, match="unknown framework 'cmmi'"):
        load_framework("cmmi")


def test_part_file_alone_validates() -> None:
    part = validate_path(TINY / "tiny.yaml")
    assert getattr(part, "key", None) == "t"
