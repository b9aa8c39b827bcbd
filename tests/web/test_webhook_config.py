"""[[devmaturity.webhooks]] and webhook_max_bytes: secrets only by variable name, and the server refuses to start
without them."""

from __future__ import annotations

from pathlib import Path

import pytest

from devmaturity.config import Config, WebhookSpec, load_config
from devmaturity.errors import ConfigError
from devmaturity.store.db import Store
from devmaturity.web.app import create_app

SECRET = "whsec-in-a-file-is-refused"


def _load(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> Config:
    (tmp_path / "devmaturity.toml").write_text(text, encoding="utf-8")
    return load_config(tmp_path, env=env or {})


class WebhookConfigTests:
    def test_webhook_tables_are_read(self, tmp_path: Path) -> None:
        config = _load(
            tmp_path,
            '[devmaturity]\nwebhook_max_bytes = 2048\n[[devmaturity.webhooks]]\nproject = "shop"\n'
            'secret_env = "SHOP_HOOK"\n[[devmaturity.webhooks]]\nproject = "svc"\nsecret_env = "SVC_HOOK"\n',
        )
        assert config.webhooks == (
            WebhookSpec(project="shop", secret_env="SHOP_HOOK"),
            WebhookSpec(project="svc", secret_env="SVC_HOOK"),
        )
        assert config.webhook_max_bytes == 2048

    def test_default_limit_and_environment(self, tmp_path: Path) -> None:
        assert load_config(tmp_path, env={}).webhook_max_bytes == 1_048_576
        assert load_config(tmp_path, env={"DEVMATURITY_WEBHOOK_MAX_BYTES": "4096"}).webhook_max_bytes == 4096

    @pytest.mark.parametrize(
        ("table", "message"),
        [
            (
                f'project = "shop"\nsecret = "{SECRET}"',
                "do not put secrets in the file; name the environment variable (secret_env)",
            ),
            (f'project = "shop"\nsecret_env = "X"\ntoken = "{SECRET}"', "do not put secrets in the file"),
            ('project = "shop"\nsecret_env = "X"\nhost = "y"', "unknown key(s) host; use project, secret_env and org"),
            ('project = "shop"', "`project` and `secret_env` must be non-empty strings"),
            ('project = "shop"\nsecret_env = 3', "`project` and `secret_env` must be non-empty strings"),
        ],
    )
    def test_bad_tables_are_config_errors(self, tmp_path: Path, table: str, message: str) -> None:
        with pytest.raises(ConfigError) as caught:
            _load(tmp_path, f"[[devmaturity.webhooks]]\n{table}\n")
        assert message in caught.value.message and "webhooks]][0]" in caught.value.message
        assert SECRET not in caught.value.message

    def test_one_webhook_per_project(self, tmp_path: Path) -> None:
        table = '[[devmaturity.webhooks]]\nproject = "shop"\nsecret_env = "A"\n'
        with pytest.raises(ConfigError, match="project 'shop' has a webhook already"):
            _load(tmp_path, table + table.replace('"A"', '"B"'))

    @pytest.mark.parametrize("value", ["0", "-1", "lots"])
    def test_limit_must_be_a_positive_number(self, tmp_path: Path, value: str) -> None:
        with pytest.raises(ConfigError, match="webhook_max_bytes"):
            load_config(tmp_path, env={"DEVMATURITY_WEBHOOK_MAX_BYTES": value})


class SecretVariableTests:
    @pytest.mark.parametrize("environ", [{}, {"SHOP_HOOK": ""}, {"SHOP_HOOK": "  "}])
    def test_the_app_does_not_start_without_the_secret(self, tmp_path: Path, environ: dict[str, str]) -> None:
        store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
        config = Config(webhooks=(WebhookSpec(project="shop", secret_env="SHOP_HOOK"),))
        with pytest.raises(ConfigError) as caught:
            create_app(config, store, environ=environ)
        assert caught.value.message == (
            "webhook for project 'shop': the environment variable SHOP_HOOK is not set or empty"
        )
        store.engine.dispose()
