"""When periodic checks go out (``HOIDAP_QUIZ_SCHEDULE``): ``every 30m`` (s, m, h, d), ``daily 08:00``,
``mon 08:00`` (mon … sun), in the server's local time. Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Schedule:
    """Every ``interval`` seconds, or at ``hour:minute`` each day (``weekday`` None) or one day of the week."""

    interval: float | None = None
    hour: int = 0
    minute: int = 0
    weekday: int | None = None

    def next_after(self, now: datetime) -> datetime:
        """The first time strictly after ``now`` a check is due.

        Example:
            >>> parse("mon 08:00").next_after(datetime(2026, 11, 23, 9, 0))  # a Monday, after 8:00
            datetime.datetime(2026, 11, 30, 8, 0)
            >>> parse("daily 08:00").next_after(datetime(2026, 11, 23, 7, 59))
            datetime.datetime(2026, 11, 23, 8, 0)
        """
        if self.interval is not None:
            return now + timedelta(seconds=self.interval)
        at = now.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        for days in range(8):
            candidate = at + timedelta(days=days)
            if candidate > now and (self.weekday is None or candidate.weekday() == self.weekday):
                return candidate
        raise AssertionError("unreachable: a week always holds the day")

    def period(self, due: datetime) -> str:
        """The start of the period the round due at ``due`` belongs to, the same in every process.

        A daily or weekly round is due at the same minute everywhere; an interval round is due ``interval`` after
        each process started, so it is put on the nearest multiple of the interval (since the epoch).

        Example:
            >>> parse("daily 08:00").period(datetime(2026, 11, 24, 8, 0))
            '2026-11-24T08:00:00'
            >>> s = parse("every 30m"); s.period(datetime(2026, 11, 23, 9, 29, 58)) == s.period(datetime(2026, 11, 23, 9, 30, 1))
            True
        """
        if self.interval is None:
            return due.replace(second=0, microsecond=0).isoformat()
        start = round(due.timestamp() / self.interval) * self.interval
        return datetime.fromtimestamp(start).isoformat()

    @property
    def min_gap_s(self) -> float:
        """No two rounds of a channel closer than this: half an interval (processes started apart meet on either side
        of a period boundary), none for a daily or weekly round."""
        return self.interval / 2 if self.interval is not None else 0.0


def parse(text: str) -> Schedule | None:
    """The schedule ``text`` names; None for an empty one (no periodic check).

    Raises:
        ValueError: a form not listed above, or an impossible time.

    Example:
        >>> parse("every 90m").interval, parse(""), parse("daily 7:30").hour
        (5400.0, None, 7)
    """
    text = " ".join((text or "").strip().lower().split())
    if not text:
        return None
    if m := re.fullmatch(r"every (\d+)([smhd])", text):
        seconds = float(int(m.group(1)) * _UNITS[m.group(2)])
        if seconds <= 0:
            raise ValueError(f"quiz schedule {text!r}: the interval must be above 0")
        return Schedule(interval=seconds)
    if m := re.fullmatch(r"(daily|mon|tue|wed|thu|fri|sat|sun) (\d{1,2}):(\d{2})", text):
        hour, minute = int(m.group(2)), int(m.group(3))
        if hour > 23 or minute > 59:
            raise ValueError(f"quiz schedule {text!r}: {hour}:{minute:02d} is not a time of day")
        return Schedule(hour=hour, minute=minute, weekday=None if m.group(1) == "daily" else DAYS.index(m.group(1)))
    raise ValueError(f"quiz schedule {text!r} is not understood; write 'every 30m', 'daily 08:00' or 'mon 08:00'")
