"""The dashboard's text catalogue: every key a template names exists in zh and en, the language choice (cookie,
then Accept-Language), and every template renders in both languages without an undefined name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devmaturity.web.dashboard import render
from devmaturity.web.dashboard.texts import TEXTS, pick_lang, t

TEMPLATES = Path(render.__file__).parent / "templates"
# keys built in templates from a prefix and a value, with every value the pages pass
FAMILIES = {
    "status.": ("met", "not_met", "unknown", "empty", "not_applicable"),
    "dora.": ("elite", "high", "medium", "low", "unknown"),
    "decided.": ("metric", "fact", "assessor", "nothing"),
    "evidence.": ("file", "build", "commit", "record", "link", "upload"),
    "admin.": ("orgs", "projects", "sources", "users", "runs", "audit"),
    "error.": ("401", "403", "404", "409", "422", "500"),
}


class CatalogueTests:
    def test_every_text_has_both_languages_and_the_same_fields(self) -> None:
        for key, text in TEXTS.items():
            assert text.zh.strip() and text.en.strip(), key
            assert set(re.findall(r"{(\w+)}", text.zh)) == set(re.findall(r"{(\w+)}", text.en)), key

    def test_every_key_a_template_names_exists(self) -> None:
        named: set[str] = set()
        for path in TEMPLATES.glob("*.html"):
            source = path.read_text(encoding="utf-8")
            named |= set(re.findall(r"""\bt\(\s*'([a-z0-9_.]*[a-z0-9_])'""", source))
            named |= set(re.findall(r"""\('(?:[a-z_]+)',\s*'([a-z0-9_.]+)'\)""", source))  # (value, key) pairs
            for prefix in re.findall(r"""t\(\s*'([a-z_]+\.)'\s*~""", source):
                assert prefix in FAMILIES, f"{path.name}: a key family {prefix!r} the test does not know"
                named |= {prefix + value for value in FAMILIES[prefix]}
        missing = sorted(key for key in named if key not in TEXTS)
        assert not missing, missing
        assert len(named) > 100  # the regular expressions above found the templates' keys

    def test_fields_are_filled(self) -> None:
        assert t("level_n", "zh", n=3) == "3 级"
        assert t("level_n", "en", n=3) == "level 3"
        with pytest.raises(KeyError):
            t("no.such.key", "en")


class LanguageTests:
    @pytest.mark.parametrize(
        ("cookie", "header", "expected"),
        [
            ("zh", "en-GB,en;q=0.9", "zh"),  # the remembered choice wins
            ("en", "zh-CN,zh;q=0.9", "en"),
            (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"),
            (None, "en-US,en;q=0.9,zh;q=0.8", "en"),
            (None, "fr-FR,zh;q=0.5,en;q=0.4", "zh"),  # the first of zh/en the browser prefers
            (None, "en;q=0.2,zh;q=0.7", "zh"),  # by quality, not by order
            (None, "fr", "en"),
            (None, None, "en"),
            ("de", "zh", "zh"),  # a cookie that names no language is ignored
            (None, "zh;q=abc,en", "en"),  # a bad quality counts as 0
        ],
    )
    def test_pick(self, cookie: str | None, header: str | None, expected: str) -> None:
        assert pick_lang(cookie, header) == expected


class RedirectTests:
    @pytest.mark.parametrize(
        ("target", "expected"),
        [
            ("/projects/3?part=cd", "/projects/3?part=cd"),
            ("https://evil.example/", "/portfolio"),
            ("//evil.example/", "/portfolio"),
            ("/\\evil.example", "/portfolio"),
            ("", "/portfolio"),
            (None, "/portfolio"),
            ("portfolio", "/portfolio"),
        ],
    )
    def test_only_local_paths(self, target: str | None, expected: str) -> None:
        assert render.local_path(target) == expected
