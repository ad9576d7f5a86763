"""YouTube Data API quota: what each call costs and when the daily allowance comes back.

Costs follow Google's quota calculator (developers.google.com/youtube/v3/determine_quota_cost).
Google has been moving ``videos.insert`` out of the shared 10,000-unit daily pool into a bucket of
its own (100 uploads a day, 1 per call); projects still on the older rule pay 1600 units per upload.
Estimates therefore report uploads separately and show both readings. Every quota resets at midnight
Pacific Time, whatever the caller's time zone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

DAILY_UNITS = 10_000
DAILY_UPLOADS = 100  # videos.insert bucket where it is separate
LEGACY_UPLOAD_UNITS = 1600  # videos.insert under the older, shared-pool rule

# units per call, shared pool (videos.insert listed at its legacy price for completeness)
COSTS: dict[str, int] = {
    "videos.insert": LEGACY_UPLOAD_UNITS,
    "videos.update": 50,
    "videos.list": 1,
    "captions.insert": 400,
    "captions.update": 450,
    "captions.list": 50,
    "playlists.list": 1,
    "playlists.insert": 50,
    "playlistItems.list": 1,
    "playlistItems.insert": 50,
    "channels.list": 1,
}

UPLOAD_METHOD = "videos.insert"
IDS_PER_LIST = 50  # videos.list takes at most 50 ids a call, each call 1 unit however many it names


def list_calls(ids: int) -> int:
    """videos.list calls needed to ask about ``ids`` videos."""
    return -(-ids // IDS_PER_LIST)


@dataclass
class QuotaTally:
    """API calls counted by method; units reported with uploads kept apart."""

    calls: Counter[str] = field(default_factory=Counter)

    def add(self, method: str, n: int = 1) -> None:
        self.calls[method] += n

    def merge(self, other: QuotaTally) -> None:
        self.calls.update(other.calls)

    @property
    def uploads(self) -> int:
        return self.calls[UPLOAD_METHOD]

    @property
    def units(self) -> int:
        """Units from the shared pool, not counting uploads."""
        return sum(COSTS.get(m, 0) * n for m, n in self.calls.items() if m != UPLOAD_METHOD)

    @property
    def legacy_units(self) -> int:
        """Units if uploads are charged from the shared pool (1600 each)."""
        return self.units + self.uploads * LEGACY_UPLOAD_UNITS

    def describe(self) -> str:
        if not self.calls:
            return "no API calls, 0 units"
        parts = []
        if self.uploads:
            parts.append(f"{self.uploads} video upload{'s' if self.uploads != 1 else ''} (videos.insert)")
        parts.append(f"{self.units} units")
        text = " + ".join(parts)
        if self.uploads:
            text += (f"; {self.legacy_units} units where uploads still cost {LEGACY_UPLOAD_UNITS} each"
                     f" (daily allowance {DAILY_UNITS} units, {DAILY_UPLOADS} uploads)")
        else:
            text += f" of {DAILY_UNITS} a day"
        return text


def _pacific() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("America/Los_Angeles")
    except Exception:  # no tz database (some Windows installs): US rules by hand
        return _USPacific()


class _USPacific(tzinfo):
    """UTC-8, or UTC-7 from the second Sunday of March to the first Sunday of November (2:00)."""

    @staticmethod
    def _sunday(year: int, month: int, nth: int) -> date:
        d = date(year, month, 1)
        d += timedelta(days=(6 - d.weekday()) % 7)
        return d + timedelta(weeks=nth - 1)

    def _is_dst(self, naive: datetime) -> bool:
        start = datetime.combine(self._sunday(naive.year, 3, 2), time(2))
        end = datetime.combine(self._sunday(naive.year, 11, 1), time(2))
        return start <= naive < end

    def utcoffset(self, dt: datetime | None) -> timedelta:
        if dt is None:
            return timedelta(hours=-8)
        return timedelta(hours=-7 if self._is_dst(dt.replace(tzinfo=None)) else -8)

    def dst(self, dt: datetime | None) -> timedelta:
        return self.utcoffset(dt) - timedelta(hours=-8)

    def tzname(self, dt: datetime | None) -> str:
        return "PDT" if self.dst(dt) else "PST"

    def fromutc(self, dt: datetime) -> datetime:
        utc = dt.replace(tzinfo=None)
        # DST starts at 2:00 PST (10:00 UTC) and ends at 2:00 PDT (9:00 UTC)
        start = datetime.combine(self._sunday(utc.year, 3, 2), time(10))
        end = datetime.combine(self._sunday(utc.year, 11, 1), time(9))
        offset = timedelta(hours=-7 if start <= utc < end else -8)
        return (utc + offset).replace(tzinfo=self)


def next_reset(now: datetime | None = None, local: tzinfo | None = None) -> datetime:
    """The next midnight Pacific Time, expressed in ``local`` (default: this machine's zone)."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.astimezone()  # naive means this machine's local time
    pacific = _pacific()
    today_pt = now.astimezone(pacific).date()
    midnight_pt = datetime.combine(today_pt + timedelta(days=1), time(0), tzinfo=pacific)
    return midnight_pt.astimezone(local) if local else midnight_pt.astimezone()


def describe_reset(now: datetime | None = None, local: tzinfo | None = None) -> str:
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.astimezone()
    reset = next_reset(now, local)
    wait = reset - now
    hours, rest = divmod(int(wait.total_seconds()) // 60, 60)
    zone = f" {reset.tzname()}" if reset.tzname() else ""
    return f"{reset:%Y-%m-%d %H:%M}{zone} (midnight Pacific Time, in {hours} h {rest:02d} min)"
