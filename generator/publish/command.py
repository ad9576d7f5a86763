"""``python build.py publish``: upload films and their machine captions to YouTube.

generator/cli.py adds --content/--out/--strict/--quiet and calls ``run_publish(args, build_fn)``.
Flow: build (cached); if the ledger knows videos of the chosen films, log in and ask YouTube which of
them still exist (``videos.list``, 50 ids a call, 1 unit each); plan from the ledger and that answer,
print the plan, carry it out; afterwards rebuild once if video ids changed so the film pages can embed
them. A film whose video was deleted on YouTube is reported, with nothing sent for it, unless
``--reupload-missing`` asks to upload it again. ``--dry-run`` sends nothing at all, the check
included: it prints the plan from the ledger alone, with the check's cost in the quota estimate.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..config import Settings, validate
from ..errors import ConfigError, ContentError, PublishError
from ..model import Film
from .ledger import Ledger, ledger_path, publish_lock
from .plan import PublishPlan, make_plan, published_ids
from .quota import COSTS, UPLOAD_METHOD, QuotaTally, describe_reset

if TYPE_CHECKING:  # connect.py loads the Google libraries
    from .connect import Connection
    from .youtube import QuotaExhausted


class _Console:
    def __init__(self, out: TextIO, err: TextIO, quiet: bool) -> None:
        self.out, self.err, self.quiet = out, err, quiet

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def note(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.err, flush=True)

    def progress(self, label: str, total: int) -> Callable[[int, int], None]:
        if self.quiet or not getattr(self.err, "isatty", lambda: False)():
            return lambda done, total: None
        from tqdm import tqdm

        bar = tqdm(total=total, desc=f"uploading {label}", unit="B", unit_scale=True, unit_divisor=1024,
                   file=self.err, leave=False, dynamic_ncols=True)

        def update(done: int, total: int) -> None:
            bar.update(done - bar.n)
            if done >= total:
                bar.close()

        return update


def select_films(films: list[Film], only: list[str] | None) -> list[Film]:
    if only:
        by_slug = {f.slug: f for f in films}
        for slug in only:
            if slug not in by_slug:
                known = ", ".join(sorted(by_slug)) or "none"
                raise ConfigError(f"--only {slug}: no such film (films: {known})")
            if by_slug[slug].draft:
                raise ConfigError(f"--only {slug}: the film is a draft (draft: true in its front matter)")
        chosen = [by_slug[s] for s in dict.fromkeys(only)]
    else:
        chosen = [f for f in films if not f.draft]
    for film in chosen:
        if not film.video.is_file():
            raise ContentError("video file not found", film.video)
    return chosen


def _units(calls: list[str]) -> str:
    uploads = sum(1 for c in calls if c == UPLOAD_METHOD)
    units = sum(COSTS.get(c, 0) for c in calls if c != UPLOAD_METHOD)
    parts = ([f"{uploads} upload{'s' if uploads != 1 else ''}"] if uploads else [])
    if units or not uploads:
        parts.append(f"{units} unit{'s' if units != 1 else ''}")
    return " + ".join(parts)


def format_plan(plan: PublishPlan, dry_run: bool) -> list[str]:
    lines = []
    if plan.check:
        lines.append(f"{plan.check.kind}: {plan.check.detail}  [{_units(plan.check.calls)}]")
    up_to_date = []
    for fp in plan.films:
        if not fp.actions and not fp.notes:
            up_to_date.append(fp.film.slug)
            continue
        lines.append(f"{fp.film.slug}: {fp.snippet['title']}")
        for a in fp.actions:
            cost = _units(a.calls)
            if a.maybe:
                cost += f" (+{_units(a.maybe)} if a lookup is needed)"
            lines.append(f"  {a.kind:<16} {a.detail}  [{cost}]")
        for note in fp.notes:
            lines.append(f"  note: {note}")
    if plan.playlist:
        lines.append(f"playlist: {plan.playlist.kind} {plan.playlist.detail}  "
                     f"[{_units(plan.playlist.calls)}, +{_units(plan.playlist.maybe)} if it has to be created]")
    if up_to_date:
        lines.append(f"up to date: {', '.join(up_to_date)}")
    sure, maybe = plan.tally()
    worst = QuotaTally()
    worst.merge(sure)
    worst.merge(maybe)
    if plan.empty:
        lines.append("nothing to publish" + (" (dry run)" if dry_run else ""))
    else:
        quota = f"quota {'this run would spend' if dry_run else 'this run spends'}: {sure.describe()}"
        if maybe.calls:
            quota += f"; at most {worst.units} units with lookups"
        lines.append(quota)
    if dry_run:
        lines.append("dry run: nothing was sent to YouTube" + (
            ", not even the check for videos deleted there" if plan.check else ""))
    return lines


def run_publish(args: argparse.Namespace, build_fn: Callable[[], Any], *, out: TextIO | None = None,
                err: TextIO | None = None, sleep: Callable[[float], None] | None = None,
                login: Callable[..., Any] | None = None) -> int:
    """Publish (or with --dry-run, describe publishing) the built site's films. Returns the exit code."""
    console = _Console(out or sys.stdout, err or sys.stderr, bool(getattr(args, "quiet", False)))
    result = build_fn()
    site = result.site
    settings: Settings = site.settings
    content_dir = Path(getattr(args, "content", None) or site.content_dir)
    if getattr(args, "max_retries", None) is not None:
        settings.youtube.max_retries = args.max_retries
    validate(settings)  # publish's own options joined the settings after they were checked
    films = select_films(site.films, getattr(args, "only", None))
    replace = bool(getattr(args, "replace_changed_video", False))
    reupload = bool(getattr(args, "reupload_missing", False))

    if getattr(args, "dry_run", False):
        # sends nothing, so it cannot know which videos were deleted on YouTube: the plan lists the check
        ledger = Ledger.load(content_dir)
        plan = make_plan(films, ledger, settings, replace_changed_video=replace, reupload_missing=reupload)
        for line in format_plan(plan, dry_run=True):
            console.say(line)
        return 0

    with publish_lock(content_dir):
        ledger = Ledger.load(content_dir)
        published = published_ids(films, ledger)
        conn: Connection | None = None
        missing: dict[str, str] = {}
        if published:
            # YouTube's side first: a video deleted there is reported (or uploaded again), never updated
            conn = _connect(args, settings, content_dir, console, sleep, login)
            missing = _check_published(conn, published)
        plan = make_plan(films, ledger, settings, replace_changed_video=replace, missing=missing,
                         reupload_missing=reupload)
        if plan.empty:
            for fp in plan.films:
                for note in fp.notes:
                    console.note(f"{fp.film.slug}: {note}")
            fine = sum(1 for fp in plan.films if not fp.missing_id)
            counted = f"{fine} of {len(films)} films" if fine < len(films) else f"{fine} film{'s' if fine != 1 else ''}"
            spent = f"; quota used: {conn.client.tally.describe()}" if conn else ""
            console.say(f"nothing to publish: {counted} up to date on YouTube{spent}")
            _save_hashes(ledger)
            return _outcome(console, plan, [])
        if not console.quiet:
            for line in format_plan(plan, dry_run=False):
                console.note(line)
        if conn is None:
            conn = _connect(args, settings, content_dir, console, sleep, login)
        return _publish(build_fn, console, settings, content_dir, ledger, plan, conn)


def _connect(args: argparse.Namespace, settings: Settings, content_dir: Path, console: _Console,
             sleep: Callable[[float], None] | None, login: Callable[..., Any] | None) -> Connection:
    from .connect import connect  # the Google libraries load only when something goes to YouTube

    return connect(args, settings, content_dir, notify=console.note, sleep=sleep, login=login)


def _check_published(conn: Connection, published: dict[str, str]) -> dict[str, str]:
    """slug -> video id of the published films whose video YouTube no longer has."""
    from .youtube import QuotaExhausted

    try:
        present = conn.client.existing_videos(list(published.values()))
    except QuotaExhausted as exc:
        raise _quota_stop(exc) from None
    finally:
        conn.tokens.save_if_refreshed()
    return {slug: vid for slug, vid in published.items() if vid not in present}


def _quota_stop(exc: QuotaExhausted) -> PublishError:
    return PublishError(f"YouTube quota exhausted ({exc.reason}); it resets at {describe_reset()}: "
                        "run publish again then to finish")


def _save_hashes(ledger: Ledger) -> None:
    # the hash memo is worth keeping, but a never-published site gets no ledger file from a no-op
    if ledger.films or ledger.path.exists():
        ledger.save()


def _outcome(console: _Console, plan: PublishPlan, skipped: list[tuple[str, str]]) -> int:
    """0, or one line naming the films that are not on YouTube as they should be."""
    missing = plan.missing
    for slug, old in missing:
        console.say(f"missing on YouTube: {slug} (video {old} was deleted there)")
    problems = []
    if skipped:
        names = ", ".join(slug for slug, _ in skipped)
        problems.append(f"{len(skipped)} film{'s' if len(skipped) != 1 else ''} could not be published: {names} "
                        "(reasons above)")
    if missing:
        one = len(missing) == 1
        problems.append(f"{len(missing)} film{'' if one else 's'} no longer on YouTube: "
                        f"{', '.join(slug for slug, _ in missing)}; run publish --reupload-missing to upload "
                        f"{'it' if one else 'them'} again with {'its' if one else 'their'} captions")
    if problems:
        raise PublishError("; ".join(problems))
    return 0


def _publish(build_fn: Callable[[], Any], console: _Console, settings: Settings, content_dir: Path,
             ledger: Ledger, plan: PublishPlan, conn: Connection) -> int:
    from .uploader import Publisher
    from .youtube import QuotaExhausted

    client = conn.client
    publisher = Publisher(client, ledger, settings, plan, notify=console.note, progress=console.progress)
    failure: PublishError | None = None
    try:
        publisher.run()
    except PublishError as exc:
        failure = exc
    finally:
        conn.tokens.save_if_refreshed()
        ledger.save()

    log = publisher.log
    counts: dict[str, int] = {}
    for step in log.done:
        counts[step.action.kind] = counts.get(step.action.kind, 0) + 1
    summary = ", ".join(f"{n} x {kind}" for kind, n in counts.items()) or "nothing"
    console.say(f"published: {summary}; quota used: {client.tally.describe()}")
    for slug, why in log.skipped:
        console.say(f"skipped {slug}: {why}")
    if log.ids_changed:
        console.note("rebuilding so the film pages know their YouTube ids ...")
        build_fn()

    if failure is not None:
        left = publisher.remaining()
        if left:
            console.say("not done yet (the next publish continues here):")
            for slug, action in left:
                console.say(f"  {slug}: {action.kind} {action.detail}")
        if isinstance(failure, QuotaExhausted):
            raise _quota_stop(failure) from None
        raise failure
    console.say(f"ledger: {ledger_path(content_dir)}")
    return _outcome(console, plan, log.skipped)
