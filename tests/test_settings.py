"""Process settings (settings.Settings) and project settings (model/project.py ProjectSettings) are separate: each
setting of devmaturity.toml lands in exactly one of them, read through the same layering as load_config."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from devmaturity.config import Config, load_config
from devmaturity.model.project import ProjectSettings
from devmaturity.settings import Settings, project_settings

TOML = """[devmaturity]
project = "shop"
window = "30d"
database_url = "sqlite:///elsewhere.db"
[devmaturity.thresholds]
"CD.BCI.CI.IF.L3.1" = 0.8
[devmaturity.not_applicable]
"CD.X.Y" = "we ship no mobile app"
[[devmaturity.sources]]
kind = "github"
repo = "acme/shop"
token_env = "SHOP_GITHUB_TOKEN"
[devmaturity.tree]
exclude = ["legacy/**"]
"""
# Config fields carried under another name or kept for the web service's own wiring
RENAMED = {"project": "name", "window": "window_days", "tree": ("tree_exclude", "tree_include")}
SERVICE_WIRING = {"webhooks"}  # project -> secret variable of `devmaturity serve`, read by services/webhooks.py


def test_every_setting_is_either_process_or_project() -> None:
    process = {f.name for f in dataclasses.fields(Settings)}
    project = {f.name for f in dataclasses.fields(ProjectSettings)}
    assert process & project == set()
    for name in (f.name for f in dataclasses.fields(Config)):
        if name in SERVICE_WIRING:
            continue
        target = RENAMED.get(name, name)
        targets = target if isinstance(target, tuple) else (target,)
        assert all(t in process | project for t in targets), f"{name} is in neither Settings nor ProjectSettings"


def test_the_file_and_the_environment_split_into_the_two(tmp_path: Path) -> None:
    (tmp_path / "devmaturity.toml").write_text(TOML, encoding="utf-8")
    config = load_config(project_dir=tmp_path, env={"DEVMATURITY_BROKER_URL": "redis://127.0.0.1:6379/0"})
    process = Settings.of(config)
    assert (process.database_url, process.broker_url) == ("sqlite:///elsewhere.db", "redis://127.0.0.1:6379/0")
    project = project_settings(config)
    assert (project.name, project.window_days, project.tree_exclude) == ("shop", 30, ("legacy/**",))
    assert dict(project.thresholds) == {"CD.BCI.CI.IF.L3.1": 0.8}
    assert dict(project.not_applicable) == {"CD.X.Y": "we ship no mobile app"}
    [source] = project.sources
    assert (source.kind, dict(source.options)) == ("github", {"repo": "acme/shop", "token_env": "SHOP_GITHUB_TOKEN"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        project.window_days = 7  # type: ignore[misc]
    with pytest.raises(TypeError):
        project.thresholds["CD.BCI.CI.IF.L3.1"] = 0.1  # type: ignore[index]


def test_the_database_pool_is_a_process_setting(tmp_path: Path) -> None:
    """DEVMATURITY_DB_POOL_SIZE / _MAX_OVERFLOW reach the engine of the store a process opens; unset, the
    settings' defaults are the store's own (40 + 10)."""
    from devmaturity.services.platform import Pool, open_store, pool_of

    assert pool_of(Config()) == Pool()
    env = {"DEVMATURITY_DB_POOL_SIZE": "3", "DEVMATURITY_DB_MAX_OVERFLOW": "0"}
    config = load_config(project_dir=tmp_path, env=env)
    assert (Settings.of(config).db_pool_size, Settings.of(config).db_max_overflow) == (3, 0)
    store = open_store(f"sqlite:///{tmp_path / 'pool.db'}", pool_of(config))
    try:
        pool: Any = store.engine.pool
        assert (pool.size(), pool._max_overflow) == (3, 0)
    finally:
        store.engine.dispose()
