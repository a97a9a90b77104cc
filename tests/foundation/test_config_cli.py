"""Configuration through the CLI: precedence, validation errors, secrets never shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from etsysync_cli import config
from etsysync_cli.errors import ConfigError, ExitCode


def settings_json(cli, **env: str) -> dict:
    result = cli("config", "show", "--json", env=env or None)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["settings"]


def test_config_path_is_in_the_app_home(cli, app_home: Path) -> None:
    result = cli("config", "path")
    assert result.exit_code == 0
    assert result.stdout.strip() == str(app_home / "config.toml")


def test_defaults_then_file_then_env(cli, app_home: Path) -> None:
    assert settings_json(cli)["auth.redirect_port"] == {"value": 3003, "origin": "default"}

    result = cli("config", "set", "auth.redirect_port", "4004")
    assert result.exit_code == 0, result.stderr
    assert "auth.redirect_port = 4004" in result.stderr
    assert settings_json(cli)["auth.redirect_port"] == {"value": 4004, "origin": "file"}
    assert "redirect_port = 4004" in (app_home / "config.toml").read_text()

    from_env = settings_json(cli, ETSYSYNC_AUTH_REDIRECT_PORT="5005")
    assert from_env["auth.redirect_port"] == {"value": 5005, "origin": "env"}


def test_flags_beat_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ETSYSYNC_AUTH_REDIRECT_PORT", "5005")
    loaded = config.load_settings({"auth.redirect_port": 6006})
    assert loaded.settings.auth.redirect_port == 6006
    assert loaded.origin("auth.redirect_port") == "flag"


def test_unset_restores_the_default(cli) -> None:
    cli("config", "set", "listing.taxonomy_id", "1633")
    assert settings_json(cli)["listing.taxonomy_id"]["value"] == 1633
    result = cli("config", "unset", "listing.taxonomy_id")
    assert result.exit_code == 0
    assert settings_json(cli)["listing.taxonomy_id"] == {"value": None, "origin": "default"}


def test_bad_toml_names_the_file(cli, app_home: Path) -> None:
    app_home.mkdir(parents=True)
    (app_home / "config.toml").write_text("[auth\nredirect_port = 1\n")
    result = cli("config", "show")
    assert result.exit_code == ExitCode.CONFIG
    assert str(app_home / "config.toml") in result.stderr
    assert "not valid TOML" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_invalid_value_in_the_file_names_key_and_file(cli, app_home: Path) -> None:
    app_home.mkdir(parents=True)
    (app_home / "config.toml").write_text('[auth]\nredirect_port = "abc"\n')
    result = cli("config", "show")
    assert result.exit_code == ExitCode.CONFIG
    first_line = result.stderr.splitlines()[0]
    assert "auth.redirect_port" in first_line
    assert str(app_home / "config.toml") in first_line


def test_unknown_key_in_the_file(cli, app_home: Path) -> None:
    app_home.mkdir(parents=True)
    (app_home / "config.toml").write_text("[auth]\nredirect_prot = 3003\n")
    result = cli("config", "show")
    assert result.exit_code == ExitCode.CONFIG
    assert "unknown setting auth.redirect_prot" in result.stderr


def test_invalid_value_in_the_environment_names_the_variable(cli) -> None:
    result = cli("config", "show", env={"ETSYSYNC_LISTING_WHO_MADE": "robots"})
    assert result.exit_code == ExitCode.CONFIG
    assert "listing.who_made" in result.stderr
    assert "ETSYSYNC_LISTING_WHO_MADE" in result.stderr


def test_set_validates_and_leaves_the_file_alone(cli, app_home: Path) -> None:
    cli("config", "set", "auth.redirect_port", "4004")
    before = (app_home / "config.toml").read_text()
    result = cli("config", "set", "auth.redirect_port", "99999")
    assert result.exit_code == ExitCode.CONFIG
    assert "auth.redirect_port" in result.stderr
    assert (app_home / "config.toml").read_text() == before


def test_set_unknown_key(cli) -> None:
    result = cli("config", "set", "nope.nothing", "1")
    assert result.exit_code == ExitCode.CONFIG
    assert "unknown setting nope.nothing" in result.stderr


def test_secrets_are_refused_by_set_and_never_shown(cli, app_home: Path) -> None:
    result = cli("config", "set", "etsy.shared_secret", "s3cr3t-value")
    assert result.exit_code == ExitCode.CONFIG
    assert "ETSYSYNC_ETSY_SHARED_SECRET" in result.stderr
    assert not (app_home / "config.toml").exists()

    env = {"ETSYSYNC_ETSY_SHARED_SECRET": "s3cr3t-value", "ETSYSYNC_MEDUSA_API_KEY": "sk_abc123"}
    for args in (("config", "show"), ("config", "show", "--json")):
        result = cli(*args, env=env)
        assert result.exit_code == 0
        assert "s3cr3t-value" not in result.stdout + result.stderr
        assert "sk_abc123" not in result.stdout + result.stderr
    shown = settings_json(cli, **env)
    assert shown["etsy.shared_secret"] == {"value": "(set)", "origin": "env"}


def test_debug_shows_the_traceback(cli, app_home: Path) -> None:
    app_home.mkdir(parents=True)
    (app_home / "config.toml").write_text("[auth\n")
    result = cli("--debug", "config", "show")
    assert result.exit_code == ExitCode.CONFIG
    assert "Traceback" in result.stderr


def test_every_setting_has_an_env_name_and_a_description() -> None:
    infos = list(config.setting_keys())
    assert infos, "no settings?"
    for info in infos:
        expected = config.ENV_ALIASES.get(info.key)
        assert info.env == (expected or "ETSYSYNC_" + info.key.replace(".", "_").upper())
        assert info.description, f"{info.key} has no description"


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"auth": {"insecure_storage": "1"}},
        {"listing": {"production_partner_ids": "12, 34", "price_markup_percent": "10"}},
        {"sync": {"concurrency": "8"}, "etsy": {"keystring": "k", "shared_secret": "s"}},
        {"sync": {"concurrency": 0}},  # refused
        {"sync": {"concurency": 4}},  # an unknown key
        {"syncing": {"concurrency": 4}},  # an unknown section
        {"auth": {"": 5}},  # a bare value at the top of config.toml
    ],
)
def test_settings_validated_by_section_are_the_whole_model_s(raw: dict) -> None:
    """Only the sections given are validated (start-up, issue 17): the settings, or the error,
    are the ones the whole model gives."""
    try:
        whole = config.Settings.model_validate(raw)
    except config.ValidationError as exc:
        with pytest.raises(config.ValidationError) as found:
            config._settings(raw)
        assert found.value.errors() == exc.errors()
        return
    by_section = config._settings(raw)
    assert by_section == whole
    assert by_section.model_dump() == whole.model_dump()
    assert by_section.model_fields_set == whole.model_fields_set


def test_load_settings_error_type() -> None:
    with pytest.raises(ConfigError):
        config.load_settings({"sync.concurrency": 0})


def test_config_get_says_where_the_value_comes_from(cli, app_home: Path) -> None:
    result = cli("config", "get", "auth.redirect_port")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "3003\n"  # the value alone, for $(etsysync config get KEY)
    assert "from the default" in result.stderr

    cli("config", "set", "auth.redirect_port", "4004")
    result = cli("config", "get", "auth.redirect_port")
    assert result.stdout == "4004\n"
    assert str(app_home / "config.toml") in result.stderr

    result = cli("config", "get", "auth.redirect_port", env={"ETSYSYNC_AUTH_REDIRECT_PORT": "5005"})
    assert result.stdout == "5005\n"
    assert "the environment variable ETSYSYNC_AUTH_REDIRECT_PORT" in result.stderr

    result = cli("config", "get", "listing.taxonomy_id")
    assert result.exit_code == 0 and result.stdout == "\n"  # unset: an empty line


def test_config_get_json_and_secrets(cli) -> None:
    from etsysync_cli.reports import ConfigValueDocument
    from tests.foundation.test_reports import assert_document

    env = {"ETSYSYNC_ETSY_SHARED_SECRET": "s3cr3t-value"}
    result = cli("config", "get", "etsy.shared_secret", "--json", env=env)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert_document(ConfigValueDocument, document)
    assert document["value"] == "(set)"
    assert document["origin"] == "env"
    assert document["env"] == "ETSYSYNC_ETSY_SHARED_SECRET"
    assert "s3cr3t-value" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("command", "typo", "meant"),
    [
        (("get",), "listing.taxonmy_id", "listing.taxonomy_id"),
        (("set",), "taxonomy_id", "listing.taxonomy_id"),
        (("unset",), "etsy.redirect_port", "auth.redirect_port"),
    ],
)
def test_unknown_keys_get_a_did_you_mean(cli, command, typo, meant) -> None:
    args = [*command, typo] + (["1633"] if command == ("set",) else [])
    result = cli("config", *args)
    assert result.exit_code == ExitCode.CONFIG
    assert f"unknown setting {typo}" in result.stderr
    assert f"did you mean `{meant}`?" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_key_in_the_file_gets_a_did_you_mean(cli, app_home: Path) -> None:
    app_home.mkdir(parents=True)
    (app_home / "config.toml").write_text("[auth]\nredirect_prot = 3003\n")
    result = cli("config", "show")
    assert "did you mean `auth.redirect_port`?" in result.stderr
