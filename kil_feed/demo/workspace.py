"""The demo folder: its `kil.toml`, database, outbox, and the state kept between runs.

Everything `kil demo` writes lives in one folder (default `.kil-demo`), so the demo never
touches a real configuration and `--reset` can remove it safely. The folder keeps the port
of the demo site between runs: item URLs include it, so reusing it lets a second run update
the same items instead of collecting copies.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kil_feed.config import Settings, load_settings
from kil_feed.errors import ConflictError
from kil_feed.rules import RulesSettings
from kil_feed.timeutil import as_utc, utcnow

logger = logging.getLogger(__name__)

STATE_FILE = "demo.json"
SITE_CLOCK_MAX_AGE = timedelta(hours=12)
CONFIG_TEMPLATE = """\
# Written by `kil demo` (rewritten on every run). Try the other commands on the demo data:
#   kil --config {config} items list
database_url = "{database_url}"
outbox_dir = "{outbox_dir}"
smtp_url = ""
base_url = "{base_url}"
demo = true                    # the built-in demo secret key is allowed
allow_private_networks = true  # the demo site is on loopback

[crawl]
download_delay = 0.0           # the demo site is ours: no need to wait between requests
concurrent_per_domain = 8
autothrottle = false
time_limit = 120

[newsletter]
from_address = "Keep it Local feed (demo) <newsletter@kil-feed.local>"

[web]
host = "127.0.0.1"
port = {port}                    # the port in base_url: email links point here

"""


def bundled_text(name: str) -> str:
    """A file shipped in the `kil_feed.demo` package (sources, subscribers, rules)."""
    return resources.files("kil_feed.demo").joinpath(name).read_text(encoding="utf-8")


def demo_rules() -> RulesSettings:
    """The demo's curation rules, in the `[rules]` format of a kil.toml."""
    return RulesSettings(**tomllib.loads(bundled_text("rules.toml")))


def demo_subscribers() -> list[dict[str, Any]]:
    return list(tomllib.loads(bundled_text("subscribers.toml"))["subscribers"])


@dataclass
class Workspace:
    """The demo folder and the paths inside it."""

    root: Path

    @property
    def config_file(self) -> Path:
        return self.root / "kil.toml"

    @property
    def database(self) -> Path:
        return self.root / "kil.db"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def state_file(self) -> Path:
        return self.root / STATE_FILE

    def exists(self) -> bool:
        return self.state_file.is_file()

    def create(self) -> None:
        if self.root.exists() and any(self.root.iterdir()) and not self.exists():
            raise ConflictError(
                f"{self.root} exists and is not a kil demo folder",
                hint="choose another folder with --dir",
            )
        self.root.mkdir(parents=True, exist_ok=True)
        if not self.exists():
            self.save_state({})

    def reset(self) -> bool:
        """Remove the demo folder (only if `kil demo` made it); True if something was removed."""
        if not self.root.exists():
            return False
        if not self.exists():
            if any(self.root.iterdir()):
                raise ConflictError(
                    f"refusing to delete {self.root}: it is not a kil demo folder "
                    f"(no {STATE_FILE} in it)",
                    hint="choose another folder with --dir",
                )
            return False
        shutil.rmtree(self.root)
        return True

    def load_state(self) -> dict[str, Any]:
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save_state(self, state: dict[str, Any]) -> None:
        self.state_file.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")

    def update_state(self, **values: Any) -> None:
        state = self.load_state()
        state.update(values)
        self.save_state(state)

    def write_config(self, base_url: str) -> Path:
        """kil.toml for the demo: its database, outbox, web URL and the demo rules."""
        root = self.root.resolve()
        text = CONFIG_TEMPLATE.format(
            port=urlsplit(base_url).port or 80,
            config=self.config_file,
            database_url=f"sqlite:///{(root / 'kil.db').as_posix()}",
            outbox_dir=(root / "outbox").as_posix(),
            base_url=base_url,
        )
        text += "# Curation rules of the demo, applied when items are collected.\n"
        text += _prefix_tables(bundled_text("rules.toml"), "rules")
        self.config_file.write_text(text, encoding="utf-8")
        return self.config_file

    def env(self, base_url: str) -> dict[str, str]:
        """KIL_* values that pin the demo to its folder, whatever the caller's environment says.

        Environment variables win over kil.toml, so a KIL_DATABASE_URL meant for a real
        deployment would otherwise send the demo's data into the real database.
        """
        root = self.root.resolve()
        return {
            "KIL_CONFIG": str(self.config_file.resolve()),
            "KIL_DATABASE_URL": f"sqlite:///{(root / 'kil.db').as_posix()}",
            "KIL_OUTBOX_DIR": str(root / "outbox"),
            "KIL_SMTP_URL": "",
            "KIL_BASE_URL": base_url,
            "KIL_DEMO": "true",
            "KIL_ALLOW_PRIVATE_NETWORKS": "true",
        }

    def settings(self) -> Settings:
        return load_settings(self.config_file)


def _prefix_tables(toml_text: str, section: str) -> str:
    """Rules written for a rules file (`[[block]]`) moved under `[rules]` (`[[rules.block]]`)."""
    lines = []
    for line in toml_text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[[") and stripped.endswith("]]"):
            line = f"[[{section}.{stripped[2:-2].strip()}]]"
        elif stripped.startswith("[") and stripped.endswith("]"):
            line = f"[{section}.{stripped[1:-1].strip()}]"
        lines.append(line)
    return "\n".join(lines) + "\n"


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the duration (the crawl subprocess inherits them)."""
    cleared = [k for k in os.environ if k.startswith("KIL_") and k not in values]
    saved = {k: os.environ.get(k) for k in [*values, *cleared]}
    try:
        for key in cleared:
            del os.environ[key]
        os.environ.update(values)
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def site_clock(saved: object, *, max_age: timedelta = SITE_CLOCK_MAX_AGE) -> datetime:
    """The moment the demo site's dates are relative to: the saved one while it is recent.

    Reusing it makes a second run on the same day serve byte-identical documents, so the
    crawler's conditional GET gets 304s; after `max_age` the dates move on so the news
    stays this week's news.
    """
    now = utcnow()
    if isinstance(saved, str):
        try:
            when = as_utc(datetime.fromisoformat(saved))
        except ValueError:
            return now
        if when is not None and timedelta(0) <= now - when <= max_age:
            return when
    return now
