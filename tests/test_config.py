"""Settings: defaults, kil.toml, KIL_* overrides, clear errors, and the README lists them all."""

from __future__ import annotations

from pathlib import Path

import pytest

from kil_feed.config import Settings, iter_setting_names, load_settings
from kil_feed.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for key in [k for k in os.environ if k.startswith("KIL_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_defaults() -> None:
    s = load_settings()
    assert s.database_url == "sqlite:///kil.db"
    assert s.smtp_url == ""
    assert s.timezone == "Europe/London"
    assert s.newsletter.max_jobs > 0


def test_toml_file_is_read_and_env_overrides_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "kil.toml").write_text(
        'database_url = "sqlite:///from-file.db"\nbase_url = "https://file.example"\n'
        "[newsletter]\nmax_jobs = 7\n"
    )
    s = load_settings()
    assert s.database_url == "sqlite:///from-file.db"
    assert s.newsletter.max_jobs == 7
    monkeypatch.setenv("KIL_BASE_URL", "https://env.example")
    monkeypatch.setenv("KIL_NEWSLETTER__MAX_JOBS", "9")
    s = load_settings()
    assert s.base_url == "https://env.example"
    assert s.newsletter.max_jobs == 9
    assert s.database_url == "sqlite:///from-file.db"


def test_kil_config_names_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other.toml"
    other.write_text('timezone = "UTC"\n')
    monkeypatch.setenv("KIL_CONFIG", str(other))
    assert load_settings().timezone == "UTC"


def test_missing_explicit_config_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml")


def test_bad_values_are_clear_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIL_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError, match="timezone"):
        load_settings()
    monkeypatch.delenv("KIL_TIMEZONE")
    (tmp_path / "kil.toml").write_text("database_url = [unclosed\n")
    with pytest.raises(ConfigError, match="kil.toml"):
        load_settings()


def test_secret_key_required_outside_demo() -> None:
    with pytest.raises(ConfigError, match="KIL_SECRET_KEY"):
        Settings().require_secret_key()
    assert Settings(demo=True).require_secret_key()
    assert Settings(secret_key="abc" * 11).require_secret_key() == "abc" * 11


def test_every_setting_has_a_description_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = iter_setting_names()
    assert len(rows) > 20
    missing = [name for name, _type, _default, _desc in rows if f"`{name}`" not in readme]
    undocumented = [name for name, _type, _default, desc in rows if not desc.strip()]
    assert not undocumented, f"settings without a description: {undocumented}"
    assert not missing, f"settings missing from README.md: {missing}"


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("?startls=true", "unknown option 'startls' in the URL (did you mean 'starttls'?"),
        ("?starttls=ture", "starttls='ture' in the URL is neither true nor false"),
        ("?verify=nope", "verify='nope' in the URL is neither true nor false"),
        ("?timeout=abc", "timeout='abc' in the URL is not a number of seconds above 0"),
        ("?timeout=0", "timeout='0' in the URL is not a number of seconds above 0"),
        ("?timeout=nan", "timeout='nan' in the URL is not a number of seconds above 0"),
    ],
)
def test_a_misspelt_smtp_url_option_is_refused_not_read_as_off(
    monkeypatch: pytest.MonkeyPatch, query: str, said: str
) -> None:
    """`?startls=true` read as "no STARTTLS" would send the password in the clear; a bad
    timeout was a traceback (`unexpected ValueError`, exit 1) at the first connection."""
    monkeypatch.setenv("KIL_SMTP_URL", f"smtp://user:secret@mail.example.org:587{query}")
    with pytest.raises(ConfigError, match="smtp_url") as err:
        load_settings()
    assert said in str(err.value) and "secret" not in str(err.value)
    assert err.value.exit_code == 3


def test_smtp_url_options_are_read_as_the_transport_uses_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from newsletter.transport import SMTPConfig

    url = "smtp://mail.example.org:587?starttls=YES&verify=off&timeout=7.5"
    monkeypatch.setenv("KIL_SMTP_URL", url)
    config = SMTPConfig.from_url(load_settings().smtp_url)
    assert (config.starttls, config.verify, config.timeout) == (True, False, 7.5)
    plain = SMTPConfig.from_url("smtp://mail.example.org")
    assert (plain.starttls, plain.verify, plain.timeout) == (False, True, 30.0)
