"""`etsysync config`: where the settings live, what they are, and changing them."""

from __future__ import annotations

import typer

from etsysync_cli import config
from etsysync_cli.cli import common
from etsysync_cli.cli.views import note, out, print_json, table
from etsysync_cli.reports import ConfigDocument, ConfigValueDocument, SettingValue

app = typer.Typer(no_args_is_help=True, help="Show and change settings (config.toml).")


@app.command("path")
def path_cmd() -> None:
    """Print the path of config.toml."""
    typer.echo(str(config.config_path()))


@app.command("show")
def show_cmd(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Show every setting, its value and where the value comes from. Secrets are never shown."""
    loaded = common.loaded()
    values = list(config.iter_values(loaded))
    if as_json:
        print_json(
            ConfigDocument(
                config_file=str(loaded.path),
                home=str(common.home()),
                settings={
                    key: SettingValue(value=value, origin=origin) for key, value, origin in values
                },
            )
        )
        return
    t = table("setting", "value", "from", title=f"settings ({loaded.path})")
    for key, value, origin in values:
        shown = "" if value is None else str(value)
        origin_text = config.env_name(key) if origin == "env" else origin
        t.add_row(key, shown, origin_text)
    out.print(t)


@app.command("get")
def get_cmd(
    key: str = typer.Argument(..., help="Dotted key, e.g. listing.taxonomy_id."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Print the value of KEY in effect, and where it comes from (default, file, environment).

    The value goes to stdout alone (empty when unset), so `$(etsysync config get KEY)` works;
    where it comes from goes to stderr. Secrets show as (set).
    """
    info = config.describe_setting(key)
    loaded = common.loaded()
    value = config.display_value(key, loaded.value(key))
    if as_json:
        print_json(
            ConfigValueDocument(
                key=key,
                value=value,
                origin=loaded.origin(key),
                source=loaded.source(key),
                env=info.env,
                description=info.description,
            )
        )
        return
    typer.echo("" if value is None else str(value))
    note(f"{key}: from {loaded.source(key)}")


@app.command("set")
def set_cmd(
    key: str = typer.Argument(..., help="Dotted key, e.g. listing.taxonomy_id."),
    value: str = typer.Argument(..., help="The new value."),
) -> None:
    """Validate VALUE for KEY and save it in config.toml."""
    stored = config.set_value(key, value)
    note(f"{key} = {config.display_value(key, stored)} (saved in {config.config_path()})")


@app.command("unset")
def unset_cmd(key: str = typer.Argument(..., help="Dotted key, e.g. listing.taxonomy_id.")) -> None:
    """Remove KEY from config.toml, so its default (or environment value) applies."""
    if config.unset_value(key):
        note(f"{key} removed from {config.config_path()}")
    else:
        note(f"{key} was not set in {config.config_path()}")
