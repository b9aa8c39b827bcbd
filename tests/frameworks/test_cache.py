"""The compiled-model cache: a second load parses nothing, an edited file misses, a bad entry is never trusted."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from devmaturity.errors import ModelFileError
from devmaturity.frameworks import cache, loader
from devmaturity.frameworks.cache import CacheStats, cached_parse, entry_key
from devmaturity.frameworks.loader import load_framework

TINY = Path(__file__).parents[1] / "data" / "models" / "tiny"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    monkeypatch.setattr(cache, "STATS", CacheStats())
    return folder / "models"


@pytest.fixture
def model(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    return folder


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.bin"))


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(raw: bytes, path: Path) -> object:
        raise AssertionError(f"{path.name} was parsed, not read from the cache")

    monkeypatch.setattr(loader, "_parse_yaml", refuse)


def test_second_load_reads_the_cache(cache_dir: Path, model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tiny has two files (framework.yaml, tiny.yaml): two misses and two entries, then two hits and no parse."""
    first = load_framework(str(model))
    assert (cache.STATS.hits, cache.STATS.misses) == (0, 2)
    assert len(_entries(cache_dir)) == 2
    _no_parsing(monkeypatch)
    second = load_framework(str(model))
    assert (cache.STATS.hits, cache.STATS.misses) == (2, 2)
    assert second == first


def test_bundled_model_loads_the_same_from_the_cache(cache_dir: Path) -> None:
    parsed = load_framework("caict-devops")
    cached = load_framework("caict-devops")
    assert cache.STATS.misses == 6  # framework.yaml and five part files
    assert cache.STATS.hits == 6
    assert cached == parsed


def test_an_edited_file_misses_and_is_read_anew(cache_dir: Path, model: Path) -> None:
    load_framework(str(model))
    part = model / "tiny.yaml"
    part.write_text(part.read_text(encoding="utf-8").replace("en: Test part", "en: Edited part"), encoding="utf-8")
    edited = load_framework(str(model))
    assert edited.parts[0].name.en == "Edited part"
    assert (cache.STATS.hits, cache.STATS.misses) == (1, 3)  # framework.yaml unchanged; tiny.yaml parsed again
    assert len(_entries(cache_dir)) == 3


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda blob: blob[: len(blob) // 2], id="truncated"),
        pytest.param(lambda blob: b"garbage", id="garbage"),
        pytest.param(lambda blob: blob[:-1] + bytes([blob[-1] ^ 1]), id="one-bit-flipped"),
        pytest.param(lambda blob: b"", id="empty"),
    ],
)
def test_a_corrupt_entry_is_ignored_and_rebuilt(cache_dir: Path, model: Path, spoil: object) -> None:
    first = load_framework(str(model))
    for entry in _entries(cache_dir):
        entry.write_bytes(spoil(entry.read_bytes()))  # type: ignore[operator]
    again = load_framework(str(model))
    assert again == first
    assert (cache.STATS.rejected, cache.STATS.hits) == (2, 0)
    load_framework(str(model))  # the rebuilt entries are good again
    assert cache.STATS.hits == 2


def test_payload_with_a_matching_digest_but_bad_marshal_data_is_ignored(cache_dir: Path) -> None:
    """Someone wrote an entry whose digest is right but whose payload is not marshal data: parse instead."""
    data = b"format: 1\n"
    cache_dir.mkdir(parents=True)
    payload = b"\xff\x00not marshal"
    entry = cache_dir / f"{entry_key(data, 1)}.bin"
    entry.write_bytes(cache._MAGIC + hashlib.sha256(payload).digest() + payload)
    assert cached_parse(data, lambda raw: {"parsed": raw.decode()}, loader_format=1) == {"parsed": "format: 1\n"}
    assert cache.STATS.rejected == 1


def test_key_changes_with_version_and_format(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"format: 1\n"
    key = entry_key(data, 1)
    assert entry_key(data, 2) != key
    assert entry_key(data + b" ", 1) != key
    monkeypatch.setattr(cache, "__version__", "9.9.9")
    assert entry_key(data, 1) != key


def test_cache_off_writes_nothing(tmp_path: Path, model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(cache, "STATS", CacheStats())
    load_framework(str(model))
    load_framework(str(model))
    assert (cache.STATS.hits, cache.STATS.misses) == (0, 4)
    assert not (tmp_path / "xdg").exists()


def test_xdg_cache_home_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "devmaturity" / "models"


def test_an_unwritable_cache_folder_only_skips_caching(
    tmp_path: Path, model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache folder's parent is a regular file, so the folder cannot be made: loading still works."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    monkeypatch.setenv(cache.CACHE_ENV, str(blocker))
    monkeypatch.setattr(cache, "STATS", CacheStats())
    assert load_framework(str(model)).id == "tiny"
    assert cache.STATS.misses == 2


def test_a_syntax_error_is_reported_every_time_and_never_cached(cache_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: 1\npart: {key: [\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ModelFileError, match=r"bad.yaml: at <root>: YAML syntax error.*line 3"):
            loader.validate_path(bad)
    assert _entries(cache_dir) == []
