"""Crontab lines with cron's meaning, as APScheduler triggers (digest schedule's `schedule`)."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_CRON_DOW_ITEM = re.compile(r"^(\*|\d+|[a-z]{3})(?:-(\d+|[a-z]{3}))?(?:/(\d+))?$")


def cron_trigger(expression: str, zone: ZoneInfo | str) -> BaseTrigger:
    """A trigger for a standard 5-field crontab line.

    APScheduler 3 numbers weekdays from Monday = 0 and ANDs day-of-month with day-of-week;
    cron numbers them from Sunday = 0 (7 is Sunday too) and fires when either day field
    matches if both are restricted. This keeps cron's meaning.
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"{len(fields)} fields; cron needs 5: minute hour day-of-month month day-of-week")
    minute, hour, day, month, dow = fields
    dow = _weekday_names(dow)
    if day != "*" and dow != "*":
        return OrTrigger([CronTrigger(minute=minute, hour=hour, day=day, month=month, timezone=zone),
                          CronTrigger(minute=minute, hour=hour, month=month, day_of_week=dow, timezone=zone)])
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=dow, timezone=zone)


def _weekday_names(field: str) -> str:
    """Cron's day-of-week field as APScheduler weekday names ("1-5" → "mon,tue,wed,thu,fri")."""
    if field == "*":
        return field
    days: set[int] = set()
    for item in field.lower().split(","):
        match = _CRON_DOW_ITEM.match(item)
        if not match:
            return field  # let APScheduler judge (and explain) anything else
        start, end, step = match.groups()
        first, last = (0, 6) if start == "*" else (_weekday(start), _weekday(end or start))
        if step is None and end is None and start != "*":
            last = first
        elif step is not None and end is None and start != "*":
            last = 6  # "2/3": from Tuesday on, every third day
        if last < first or (step is not None and int(step) == 0):
            raise ValueError(f"invalid day-of-week {item!r}")
        days.update(d % 7 for d in range(first, last + 1, int(step or 1)))
    if len(days) == 7:
        return "*"
    order = [1, 2, 3, 4, 5, 6, 0]  # APScheduler lists Monday first
    return ",".join(_CRON_DAYS[d] for d in order if d in days)


def _weekday(token: str) -> int:
    if token.isdigit():
        number = int(token)
        if number > 7:
            raise ValueError(f"day-of-week {number} is out of range (0-7, 0 and 7 are Sunday)")
        return number
    if token not in _CRON_DAYS:
        raise ValueError(f"unknown day-of-week {token!r}")
    return _CRON_DAYS.index(token)
