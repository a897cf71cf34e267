"""The diary's rules with no I/O: which day an entry falls on, what it does to the library."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# An entry may be dated up to a day ahead (a user a zone ahead of the server, a late
# night) and not before films existed.
EARLIEST_DAY = date(1870, 1, 1)


def placed(
    zone: str, day: date | None, at: datetime | None, now: datetime
) -> tuple[date, datetime]:
    """The entry's day in the user's zone and its instant in UTC: from ``at`` (an instant),
    else from ``day`` (noon that day, in the zone), else now. ValueError when the day is
    in the future or before the first films."""
    tz = ZoneInfo(zone)
    if at is not None:
        instant = at.astimezone(UTC)
        local_day = instant.astimezone(tz).date()
    elif day is not None:
        local_day = day
        instant = datetime.combine(day, time(12), tz).astimezone(UTC)
    else:
        instant = now.astimezone(UTC)
        local_day = instant.astimezone(tz).date()
    today = now.astimezone(tz).date()
    if local_day > today + timedelta(days=1):
        raise ValueError("is in the future")
    if local_day < EARLIEST_DAY:
        raise ValueError("is before 1870")
    return local_day, instant


def status_after(kind: str, outcome: str | None) -> str:
    """The library status a logged session leaves the title in."""
    if kind == "game":
        return {"finished": "completed", "abandoned": "dropped"}.get(outcome or "", "playing")
    if kind == "series":
        return "dropped" if outcome == "abandoned" else "watching"
    return "dropped" if outcome == "abandoned" else "watched"
