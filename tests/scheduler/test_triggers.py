from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kil_feed.errors import ConfigError
from kil_feed.scheduler.triggers import configured_jobs, cron_trigger
from tests.scheduler.conftest import fast


def test_five_fields_are_crontab_in_the_configured_zone() -> None:
    trigger = cron_trigger("0 8 * * mon", "Europe/London")
    # 2026-03-28 is a Saturday; the next Monday 08:00 London is after the clocks change (BST)
    start = datetime(2026, 3, 28, 12, 0, tzinfo=ZoneInfo("Europe/London"))
    fire = trigger.get_next_fire_time(None, start)
    assert fire.isoformat() == "2026-03-30T08:00:00+01:00"


def test_six_fields_put_seconds_first() -> None:
    trigger = cron_trigger("*/15 * * * * *", "UTC")
    start = datetime(2026, 1, 1, 0, 0, 1, tzinfo=ZoneInfo("UTC"))
    assert trigger.get_next_fire_time(None, start).second == 15


@pytest.mark.parametrize("bad", ["0 8 * *", "61 * * * *", "0 8 * * funday", "a b c d e f g"])
def test_bad_expressions_are_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError, match="cron expression"):
        cron_trigger(bad, "UTC")


def test_an_empty_expression_switches_a_job_off(settings) -> None:  # type: ignore[no-untyped-def]
    jobs = configured_jobs(fast(settings, housekeeping="30 3 * * *"))
    assert jobs["crawl"] is None and jobs["send"] is None
    assert jobs["housekeeping"] is not None
