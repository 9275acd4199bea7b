"""Settings are checked completely when they are read, by every command: unknown keys and
KIL_* variables with the closest known name, values by their meaning, short secret keys."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kil_feed.config import Settings, iter_setting_fields, load_settings, setting_limits
from kil_feed.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
# commands that read settings, each from another area of the CLI
COMMANDS = (["status"], ["sources", "list"], ["issue", "send", "1"], ["subscribers", "list"])


def _write(tmp_path: Path, text: str) -> None:
    (tmp_path / "kil.toml").write_text(text, encoding="utf-8")


def _refused(cli: Any, *args: str) -> str:
    """Run `kil ARGS`; it must fail with exit 3 and one error line on stderr."""
    result = cli(*args, ok=False)
    assert result.exit_code == 3, f"kil {' '.join(args)} exited {result.exit_code}: {result.output}"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_a_misspelt_relay_stops_every_command(cli: Any, tmp_path: Path) -> None:
    _write(tmp_path, 'smtp_ulr = "smtp://relay.example.org:587"\n')
    for command in COMMANDS:
        line = _refused(cli, *command)
        assert "unknown setting 'smtp_ulr' (did you mean 'smtp_url'?)" in line, command


def test_unknown_keys_in_tables_and_a_rules_table_without_its_prefix(
    cli: Any, tmp_path: Path
) -> None:
    _write(tmp_path, '[crawl]\ndownload_timeot = 5\n\n[[block]]\npattern = "sport"\n')
    line = _refused(cli, "rules", "list")
    assert "'crawl.download_timeot' (did you mean 'crawl.download_timeout'?)" in line
    assert "unknown setting 'block' (did you mean 'rules.block'?)" in line
    _write(tmp_path, '[schedule]\nlog_level = "DEBUG"\n')  # a key in the wrong table
    assert "unknown setting 'schedule.log_level' (did you mean 'log_level', a top-level " in (
        _refused(cli, "status")
    )


def test_a_misspelt_top_level_key_appended_under_a_table_finds_the_top_level_name(
    cli: Any, tmp_path: Path
) -> None:
    """`kil init` ends kil.toml with `[newsletter]`: a line appended at the end lands there."""
    _write(tmp_path, '[newsletter]\nmax_jobs = 5\nsmtp_ulr = "smtp://relay.example.org"\n')
    assert _refused(cli, "issue", "send", "1").endswith(
        "unknown setting 'newsletter.smtp_ulr' (did you mean 'smtp_url', a top-level setting: "
        "kil.toml needs it above the first [table]?) (check kil.toml and KIL_* variables)"
    )


def test_unknown_kil_variables_are_refused_with_the_closest_name(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIL_SMTP_ULR", "smtp://relay.example.org")
    line = _refused(cli, "status")
    assert "unknown setting KIL_SMTP_ULR (did you mean KIL_SMTP_URL?)" in line
    monkeypatch.delenv("KIL_SMTP_ULR")
    monkeypatch.setenv("KIL_CRAWL_TIME_LIMIT", "60")  # one underscore where two belong
    assert "did you mean KIL_CRAWL__TIME_LIMIT?" in _refused(cli, "sources", "list")
    monkeypatch.delenv("KIL_CRAWL_TIME_LIMIT")
    monkeypatch.setenv("KIL_NEWSLETTER__MAX_JOBZ", "3")
    assert "did you mean KIL_NEWSLETTER__MAX_JOBS?" in _refused(cli, "status")


@pytest.mark.parametrize(
    ("toml", "where"),
    [
        ("[crawl]\ndownload_timeout = -5\n", "crawl.download_timeout"),
        ("[crawl]\nmax_response_bytes = -1\n", "crawl.max_response_bytes"),
        ("[newsletter]\nmax_error_rate = 5\n", "newsletter.max_error_rate"),
        ("[newsletter]\nsmtp_connections = 0\n", "newsletter.smtp_connections"),
        ("[web]\nport = 99999\n", "web.port"),
        ('[schedule]\ncrawl = "every tuesday"\n', "schedule.crawl"),
        ('[schedule]\nsend = "61 25 * * *"\n', "schedule.send"),
        ("[schedule]\nheartbeat_seconds = 90\n", "schedule"),
        ("KIL_SMTP_URL=relay.example.org:587", "smtp_url"),
        ("KIL_BASE_URL=news.example.org", "base_url"),
        ('log_level = "LOUD"\n', "log_level"),
    ],
)
def test_values_are_checked_by_their_meaning(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str, where: str
) -> None:
    if toml.startswith("KIL_"):  # set in the environment by the fixture: overridden there
        monkeypatch.setenv(*toml.split("=", 1))
    else:
        _write(tmp_path, toml)
    assert f"invalid setting {where}:" in _refused(cli, "status")


def test_good_values_near_the_limits_are_accepted(tmp_path: Path, kil_env: Any) -> None:
    _write(
        tmp_path,
        'log_level = "debug"\n[web]\nport = 65535\n[newsletter]\nmax_error_rate = 1\n'
        '[schedule]\ncrawl = "*/5 * * * * *"\n',
    )
    settings = load_settings()
    assert settings.web.port == 65535 and settings.newsletter.max_error_rate == 1
    assert settings.schedule.crawl == "*/5 * * * * *"


def test_a_short_secret_key_is_refused_outside_the_demo(cli: Any, tmp_path: Path) -> None:
    os.environ.pop("KIL_SECRET_KEY")  # restored by the kil_env fixture's monkeypatch
    _write(tmp_path, 'secret_key = "x"\n')
    line = _refused(cli, "status")
    assert "secret_key has 1 characters; at least 32" in line
    _write(tmp_path, 'secret_key = "x"\ndemo = true\n')
    cli("status")
    assert Settings(secret_key="k" * 32).require_secret_key() == "k" * 32
    with pytest.raises(Exception, match="at least 32"):
        Settings(secret_key="k" * 31)


def test_a_real_kil_process_refuses_with_one_line(kil_env: dict[str, str], tmp_path: Path) -> None:
    _write(tmp_path, "[web]\nport = 99999\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIL_")} | kil_env
    proc = subprocess.run(
        [sys.executable, "-m", "kil_feed", "status"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 3, proc
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "invalid setting web.port" in proc.stderr


def test_the_readme_table_shows_each_settings_limits() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import settings_table
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_table.table() in readme, "run `python scripts/settings_table.py --write`"
    fields = dict(iter_setting_fields())
    assert setting_limits(fields["KIL_WEB__PORT"]) == "1 to 65535"
    assert setting_limits(fields["KIL_NEWSLETTER__MAX_ERROR_RATE"]) == "0 to 1"
    assert "| `KIL_CRAWL__MAX_RESPONSE_BYTES` | int | `15728640` | >= 1024 |" in readme
    assert "at least 32 characters" in setting_limits(fields["KIL_SECRET_KEY"])


def test_load_settings_raises_config_error_naming_the_file(tmp_path: Path, kil_env: Any) -> None:
    _write(tmp_path, 'smtp_ulr = "x"\n')
    with pytest.raises(ConfigError, match="check kil.toml"):
        load_settings()
