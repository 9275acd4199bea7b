"""What an editor meets at the edges of the `kil` commands: an old or unknown schema, a
file that cannot be written, options that contradict each other, values out of range.
Each is one line on stderr with the exit code of its kind, and nothing half-done."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from kil_feed.db import make_engine, write_session
from kil_feed.migrate import current_revision, head_revision, upgrade
from kil_feed.models import Buyer, Issue


@pytest.fixture
def old_schema(kil_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:  # type: ignore[no-untyped-def]
    """A database an older kil-feed migrated (schema revision 0006), in KIL_DATABASE_URL."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0006")
    engine.dispose()
    monkeypatch.setenv("KIL_DATABASE_URL", url)
    return url


@pytest.mark.parametrize("args", [["status"], ["items", "list"], ["sources", "list"]])
def test_a_database_on_an_older_schema_says_to_upgrade(cli, old_schema, args) -> None:  # type: ignore[no-untyped-def]
    result = cli(*args, ok=False)
    assert result.exit_code == 8
    assert result.stderr.splitlines() == [
        f"error: the database is at schema revision 0006, this kil-feed needs "
        f"{head_revision()} (run `kil db upgrade`)"
    ]
    assert result.stdout == ""


def test_an_unknown_revision_is_refused_and_changes_nothing(cli, old_schema) -> None:  # type: ignore[no-untyped-def]
    result = cli("db", "upgrade", "0006_nope", ok=False)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: cannot upgrade to schema revision '0006_nope': ")
    engine = make_engine(old_schema)
    assert current_revision(engine) == "0006"
    engine.dispose()
    cli("db", "upgrade")
    assert cli("items", "list", "--json").stdout.strip() == "[]"


@pytest.mark.parametrize("target", ["0001", "base", "0006"])
def test_an_upgrade_to_an_older_revision_is_refused(cli, engine, target) -> None:  # type: ignore[no-untyped-def]
    """`kil db upgrade 0001` on a database at head said '✓ database at revision <head>':
    Alembic does nothing for an older target, and the editor believed it had gone back."""
    head = head_revision()
    result = cli("db", "upgrade", target, ok=False)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: cannot upgrade to schema revision '{target}': the database is at {head}, "
        "which is newer (an upgrade never goes back, and kil-feed has no downgrade: restore "
        "a backup taken before the upgrade to go back)"
    ]
    assert result.stdout == ""
    assert current_revision(engine) == head
    assert "revision " + head in cli("db", "upgrade", head).stdout  # its own revision is fine


@pytest.mark.parametrize("target", ["head-1", "base+1", ""])
def test_an_upgrade_that_cannot_move_is_one_line(cli, engine, target) -> None:  # type: ignore[no-untyped-def]
    """`head-1` (a relative revision) said ok and did nothing, as an older one did; an empty
    one was 'unexpected AssertionError'."""
    head = head_revision()
    result = cli("db", "upgrade", target, ok=False)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    if target:
        assert line.startswith(
            f"error: cannot upgrade to schema revision '{target}': the database is at {head}, "
            f"and '{target}' names no newer revision ("
        )
    else:
        assert line == "error: the schema revision is empty (leave it out for the newest)"
    assert current_revision(engine) == head


def test_an_out_file_that_cannot_be_written_is_one_line(cli, engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with write_session(engine) as s:
        issue = Issue(week="2026-W49", subject="Week 49")
        s.add(issue)
        s.flush()
        issue_id = issue.id
    missing = tmp_path / "no-such-folder"
    for out, args in (
        (missing / "sources.toml", ["sources", "export"]),
        (missing / "issue.html", ["issue", "preview", str(issue_id)]),
    ):
        result = cli(*args, "--out", str(out), ok=False)
        assert result.exit_code == 2, args
        (line,) = result.stderr.splitlines()
        assert line == f"error: cannot write {out}: No such file or directory"
    assert not missing.exists()


def test_sending_a_draft_prints_nothing_on_stdout(cli, engine) -> None:  # type: ignore[no-untyped-def]
    with write_session(engine) as s:
        issue = Issue(week="2026-W49", subject="Week 49")
        s.add(issue)
        s.flush()
        issue_id = issue.id
    result = cli("issue", "send", str(issue_id), "--outbox", ok=False)
    assert result.exit_code == 5
    (line,) = result.stderr.splitlines()
    assert line == f"error: issue {issue_id} has no items (rebuild it or add items)"
    assert result.stdout == ""


def test_a_sources_file_and_defaults_together_are_a_usage_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "sources.toml"
    file.write_text('[[sources]]\nname = "one"\nurl = "http://127.0.0.1:9/feed"\n', "utf-8")
    result = cli("sources", "import", str(file), "--defaults", ok=False)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: give a sources file or --defaults, not both (see `kil sources import --help`)"
    ]
    assert cli("sources", "list", "--json").stdout.strip() == "[]"


def test_removing_a_source_that_is_not_there_says_so_before_asking(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("sources", "remove", "nosuch", input="y\n", ok=False)
    assert result.exit_code == 4
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line == "error: no source named 'nosuch' (see `kil sources list`)"


def test_a_negative_check_limit_is_refused(cli) -> None:  # type: ignore[no-untyped-def]
    cli("sources", "add", "one", "http://127.0.0.1:9/feed")
    result = cli("sources", "check", "one", "--limit", "-1", ok=False)
    assert result.exit_code == 2
    assert "-1 is not in the range x>=0" in result.stderr


def _commands() -> Iterator[tuple[list[str], click.Command]]:
    """Every command and sub-command of `kil`, with the words that name it."""
    from kil_feed.cli import COMMANDS, load_command

    def walk(path: list[str], command: click.Command) -> Iterator[tuple[list[str], click.Command]]:
        yield path, command
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                yield from walk([*path, name], sub)

    for name in COMMANDS:
        yield from walk([name], load_command(name))


def test_every_word_of_every_help_text_is_shown(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Help is Rich markup: `[web.host]` in an option's help was read as a style and
    vanished ("Address to listen on ."), so was `[crawl]`."""
    monkeypatch.setenv("COLUMNS", "400")  # no word folded across two lines
    missing = {}
    for path, command in _commands():
        texts = [command.help or "", *(getattr(p, "help", None) or "" for p in command.params)]
        shown = set(cli(*path, "--help").stdout.split())
        lost = [word for text in texts for word in text.split() if word not in shown]
        if lost:
            missing[" ".join(path)] = lost
    assert missing == {}


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["serve", "--port", "99999"],
         "error: invalid value for '--port': 99999 is not in the range 0<=x<=65535 "
         "(see `kil serve --help`)"),
        (["run", "--port", "-1"],
         "error: invalid value for '--port': -1 is not in the range 0<=x<=65535 "
         "(see `kil run --help`)"),
        (["crawl", "--time-limit", "-1"],
         "error: invalid value for '--time-limit': -1.0 is not in the range x>=1 "
         "(see `kil crawl --help`)"),
        (["market", "--notices", "--role", "procurement"],
         "error: --role is for jobs: the notices have no role family (see `kil market --help`)"),
        (["schedule", "--list", "--run", "housekeeping"],
         "error: give --list or --run JOB, not both (see `kil schedule --help`)"),
    ],
)  # fmt: skip
def test_out_of_range_and_conflicting_options_are_usage_errors(cli, args, line) -> None:  # type: ignore[no-untyped-def]
    """Each of these was accepted: uvicorn said it listened on port 99999 (it did not), the
    crawl stopped at once, the role or the job was silently ignored."""
    result = cli(*args, ok=False)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [line]
    assert result.stdout == ""


@pytest.fixture
def no_setup(kil_env, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """A folder where `kil init` has to write kil.toml (no KIL_DATABASE_URL, no secret)."""
    monkeypatch.delenv("KIL_DATABASE_URL")
    monkeypatch.delenv("KIL_SECRET_KEY")


def test_init_with_a_bad_database_url_keeps_the_config_it_had(cli, no_setup, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    config = tmp_path / "kil.toml"
    before = config.read_text()
    result = cli("init", "--force", "--database-url", "oracle://db.example.org/kil", ok=False)
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        "error: unsupported database 'oracle' (use sqlite:/// or postgresql://)"
    ]
    assert config.read_text() == before  # its secret key too: sessions and links still work
    cli("db", "current")


def test_init_writes_any_database_url_as_a_toml_string(cli, no_setup, tmp_path) -> None:  # type: ignore[no-untyped-def]
    name = 'the "news" db.sqlite'
    cli("init", "--database-url", f"sqlite:///{tmp_path / name}")
    assert (tmp_path / name).is_file()
    head = head_revision()
    assert cli("db", "current").stdout.split() == ["current:", head, "head:", head]


def test_a_section_variable_that_is_not_json_is_named(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """It blamed a kil.toml that was not there: `cannot read kil.toml: error parsing value
    for field "crawl" from source "EnvSettingsSource"`."""
    monkeypatch.setenv("KIL_CRAWL", "download_delay=1")
    result = cli("items", "list", ok=False)
    assert result.exit_code == 3
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: KIL_CRAWL is not valid JSON: ")
    assert "kil.toml" not in line and line.endswith("KIL_CRAWL__<NAME>)")


@pytest.mark.parametrize(
    ("variable", "value", "kind"),
    [
        ("KIL_WEB__TRUSTED_PROXIES", "10.0.0.5", "list"),
        ("KIL_RULES__BLOCK", "source=spam", "list of tables"),
    ],
)
def test_a_list_variable_that_is_not_json_is_named(cli, monkeypatch, variable, value, kind) -> None:  # type: ignore[no-untyped-def]
    """`KIL_WEB__TRUSTED_PROXIES=10.0.0.5` said "KIL_WEB is not valid JSON ... set its keys
    one by one: KIL_WEB__<NAME>", a variable that was not set and the advice already taken."""
    monkeypatch.setenv(variable, value)
    result = cli("items", "list", ok=False)
    assert result.exit_code == 3
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {variable} is not valid JSON: "), line
    assert f"a {kind} setting is written in JSON" in line and "__<NAME>" not in line


def test_a_source_topic_must_be_a_known_topic(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`--topic procurment` was stored and given to every item of the source, a topic no
    subscriber, filter or feed can choose (an editor's `items edit --topic` refuses it)."""
    result = cli(
        "sources", "add", "one", "http://127.0.0.1:9/feed", "--topic", "procurment", ok=False
    )
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: source 'one': unknown topic 'procurment' (known topics: ")
    file = tmp_path / "sources.toml"
    file.write_text(
        '[[sources]]\nname = "two"\nurl = "http://127.0.0.1:9/two"\ntopics = ["procurment"]\n'
        '[[sources]]\nname = "three"\nurl = "http://127.0.0.1:9/3"\ntopics = ["Social value"]\n',
        encoding="utf-8",
    )
    result = cli("sources", "import", str(file), "--json", ok=False)
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["added"] == ["three"]
    [invalid] = report["invalid"]  # with the hint `sources add` gives
    assert invalid["line"] == 1
    assert invalid["reason"] == line.removeprefix("error: ").replace("'one'", "'two'")
    (stored,) = json.loads(cli("sources", "list", "--json").stdout)
    assert (stored["name"], stored["topics"]) == ("three", ["social-value"])


def test_a_buyer_search_that_matches_nothing_says_so(cli, engine) -> None:  # type: ignore[no-untyped-def]
    """It said "no buyers yet: crawl a notices source" with buyers there."""
    with write_session(engine) as s:
        s.add(Buyer(key="durham", slug="durham", name="Durham County Council", region="North East"))
    assert "Durham County Council" in cli("buyers", "list", "--search", "durham").stdout
    for query in ("nowhere", "[/dim] council"):
        result = cli("buyers", "list", "--search", query)
        assert result.stdout.splitlines() == [f"no buyer's name contains {query!r}"]


@pytest.mark.parametrize("command", [["items", "list"], ["items", "approve", "--dry-run"]])
def test_a_since_before_the_year_1_is_one_line(cli, command) -> None:  # type: ignore[no-untyped-def]
    result = cli(*command, "--since", "999999999d", ok=False)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: bad --since '999999999d': that is before the year 1 (use e.g. 7d or 52w)"
    ]


def test_a_limit_past_any_count_means_all(cli, engine) -> None:  # type: ignore[no-untyped-def]
    """It reached SQLite and came back as "unexpected OverflowError"."""
    with write_session(engine) as s:
        s.add(Issue(week="2026-W49", subject="Week 49"))
    for command in (["items", "list", "--json"], ["rules", "test", "--json"]):
        result = cli(*command, "--limit", str(10**20))
        assert result.exit_code == 0 and json.loads(result.stdout) == [], (command, result.output)
    result = cli("issue", "send", "1", "--dry-run", "--limit", str(10**20), ok=False)
    assert "OverflowError" not in result.output and "unexpected" not in result.output


@pytest.mark.parametrize("how", ["KIL_CONFIG", "--config", "./kil.toml"])
def test_a_config_path_that_is_a_folder_says_so(cli, tmp_path, monkeypatch, how) -> None:  # type: ignore[no-untyped-def]
    """KIL_CONFIG naming a folder said 'not found', and a folder at ./kil.toml was taken for
    no config at all (`kil init --force` then failed with 'unexpected IsADirectoryError')."""
    folder = tmp_path / ("kil.toml" if how == "./kil.toml" else "settings")
    folder.mkdir()
    args = ["--config", str(folder)] if how == "--config" else []
    if how == "KIL_CONFIG":
        monkeypatch.setenv("KIL_CONFIG", str(folder))
    for command in (["sources", "list"], ["init", "--force"]):
        result = cli(*args, *command, ok=False)
        assert result.exit_code == 3, command
        shown = "kil.toml" if how == "./kil.toml" else str(folder)
        assert result.stderr.splitlines() == [
            f"error: config file {shown} is a folder, not a file "
            "(point KIL_CONFIG or --config at a TOML file)"
        ]
        assert result.stdout == ""
    assert list(folder.iterdir()) == []


def test_init_writes_the_config_where_kil_config_names_it(
    cli, no_setup, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """It wrote ./kil.toml, and the next command said KIL_CONFIG's file was not found."""
    named = tmp_path / "etc" / "kil-feed.toml"
    named.parent.mkdir()
    monkeypatch.setenv("KIL_CONFIG", str(named))
    cli("init")
    assert named.is_file() and not (tmp_path / "kil.toml").exists()
    head = head_revision()
    assert cli("db", "current").stdout.split() == ["current:", head, "head:", head]


HUGE = str(10**20)  # past SQLite's and PostgreSQL's 64-bit integers


@pytest.mark.parametrize(
    "command",
    [
        ["items", "show", HUGE],
        ["items", "approve", HUGE],
        ["items", "edit", HUGE, "--title", "x"],
        ["issue", "show", HUGE],
        ["issue", "approve", HUGE],
        ["issue", "edit", "1", "--drop", HUGE],
        ["issue", "edit", "1", "--move", HUGE, "1"],
    ],
)
def test_an_id_past_any_row_is_bad_input(cli, engine, command) -> None:  # type: ignore[no-untyped-def]
    """It reached SQLite and came back as "unexpected OverflowError", exit 1."""
    with write_session(engine) as s:
        s.add(Issue(week="2026-W49", subject="Week 49"))
    result = cli(*command, ok=False)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: invalid value for ") and f"{HUGE} is larger than any id" in line


def test_an_interval_past_a_year_is_refused_by_add_and_import(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`--interval 10**20` and `interval = 10**20` in a file were "unexpected OverflowError"
    (exit 1): the whole import stopped, the valid sources with it."""
    result = cli(
        "sources", "add", "big", "https://example.org/feed.xml", "--interval", HUGE, ok=False
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: source 'big': interval must be at most 527,040 minutes (366 days)"
    ]
    file = tmp_path / "sources.toml"
    file.write_text(
        '[[sources]]\nname = "fine"\nurl = "https://example.org/a.xml"\n\n'
        f'[[sources]]\nname = "big"\nurl = "https://example.org/b.xml"\ninterval = {HUGE}\n'
    )
    result = cli("sources", "import", str(file), ok=False)
    assert result.exit_code == 2
    assert "line 5: source 'big': interval must be at most 527,040 minutes" in result.stdout
    names = [s["name"] for s in json.loads(cli("sources", "list", "--json").stdout)]
    assert names == ["fine"]


def test_an_unreadable_topics_file_stops_crawl_and_reclassify(cli, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`kil crawl` failed every source with "crawl process exited with 1: ... Task exception
    was never retrieved", each counted on the source's health; `kil items reclassify` was
    "unexpected TopicRulesError", exit 1."""
    cli("sources", "add", "one", "http://127.0.0.1:9/feed")
    missing = tmp_path / "topics.toml"
    monkeypatch.setenv("KIL_CRAWL__TOPICS_FILE", str(missing))
    for command in (["crawl"], ["items", "reclassify", "--dry-run"]):
        result = cli(*command, ok=False)
        assert result.exit_code == 3, (command, result.output)
        assert result.stderr.splitlines() == [
            f"error: cannot read topics file {missing}: No such file or directory "
            "(check crawl.topics_file)"
        ], command
    monkeypatch.delenv("KIL_CRAWL__TOPICS_FILE")
    (source,) = json.loads(cli("sources", "list", "--json").stdout)
    assert source["health"] == "never crawled"


def test_an_unusable_crawl_log_dir_stops_the_crawl_first(cli, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """It was "unexpected FileNotFoundError", exit 1, with the source's crawl run left open."""
    cli("sources", "add", "one", "http://127.0.0.1:9/feed")
    (tmp_path / "a-file").write_text("")
    logs = tmp_path / "a-file" / "logs"
    monkeypatch.setenv("KIL_CRAWL__LOG_DIR", str(logs))
    result = cli("crawl", ok=False)
    assert result.exit_code == 3, result.output
    assert result.stderr.splitlines() == [
        f"error: cannot use the crawl log folder {logs}: Not a directory (check crawl.log_dir)"
    ]
    assert json.loads(cli("sources", "show", "one", "--json").stdout)["runs"] == []


def test_a_templates_dir_without_templates_is_refused(cli, engine, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`kil issue preview` said "unexpected TemplateNotFound", exit 1; `kil serve` started."""
    with write_session(engine) as s:
        s.add(Issue(week="2026-W49", subject="Week 49"))
    for folder, why in ((tmp_path / "nope", "is not a folder"),
                        (tmp_path, "has no email/ and web/ folders")):  # fmt: skip
        monkeypatch.setenv("KIL_TEMPLATES_DIR", str(folder))
        result = cli("status", ok=False)
        assert result.exit_code == 3
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"error: invalid setting templates_dir: {folder} {why}"), line
    monkeypatch.setenv("KIL_TEMPLATES_DIR", "")  # empty: the bundled ones (it was ./)
    assert "KEEP IT LOCAL" in cli("issue", "preview", "1", "--format", "text").stdout


@pytest.mark.parametrize("value", ["inf", "nan"])
def test_a_time_limit_that_is_no_number_of_seconds_is_bad_input(cli, value) -> None:  # type: ignore[no-untyped-def]
    """`kil crawl --time-limit inf` was "unexpected OverflowError", `nan` a ValueError: exit 1."""
    result = cli("crawl", "--time-limit", value, ok=False)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: invalid value for '--time-limit': {value} is not a number of seconds "
        "(see `kil crawl --help`)"
    ]
