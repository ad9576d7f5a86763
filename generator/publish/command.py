"""``python build.py publish``: upload films and their machine captions to YouTube.

generator/cli.py adds --content/--out/--strict/--quiet and calls ``run_publish(args, build_fn)``.
Flow: build (cached), plan from the ledger, print the plan, then (unless --dry-run) log in and carry
it out; afterwards rebuild once if video ids changed so the film pages can embed them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from ..config import Settings, validate
from ..errors import ConfigError, ContentError, PublishError
from ..model import Film
from .ledger import Ledger, ledger_path, publish_lock
from .plan import PublishPlan, make_plan
from .quota import COSTS, UPLOAD_METHOD, QuotaTally, describe_reset


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
        lines.append("dry run: nothing was sent to YouTube")
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

    if getattr(args, "dry_run", False):
        ledger = Ledger.load(content_dir)
        plan = make_plan(films, ledger, settings, replace_changed_video=getattr(args, "replace_changed_video", False))
        for line in format_plan(plan, dry_run=True):
            console.say(line)
        return 0

    with publish_lock(content_dir):
        ledger = Ledger.load(content_dir)
        plan = make_plan(films, ledger, settings, replace_changed_video=getattr(args, "replace_changed_video", False))
        if plan.empty:
            for fp in plan.films:
                for note in fp.notes:
                    console.note(f"{fp.film.slug}: {note}")
            console.say(f"nothing to publish: {len(films)} film{'s' if len(films) != 1 else ''} up to date on YouTube")
            _save_hashes(ledger)
            return 0
        if not console.quiet:
            for line in format_plan(plan, dry_run=False):
                console.note(line)
        return _publish(args, build_fn, console, settings, content_dir, ledger, plan, sleep, login)


def _save_hashes(ledger: Ledger) -> None:
    # the hash memo is worth keeping, but a never-published site gets no ledger file from a no-op
    if ledger.films or ledger.path.exists():
        ledger.save()


def _publish(args: argparse.Namespace, build_fn: Callable[[], Any], console: _Console, settings: Settings,
             content_dir: Path, ledger: Ledger, plan: PublishPlan, sleep: Callable[[float], None] | None,
             login: Callable[..., Any] | None) -> int:
    from .client import YouTubeClient
    from .retry import RetryPolicy
    from .uploader import Publisher
    from .youtube import QuotaExhausted, authorized, build_service, load_credentials, make_http, token_uri_for

    yt = settings.youtube
    api_root = (getattr(args, "youtube_api_root", None) or yt.api_root or "").strip()
    explicit = getattr(args, "youtube_token", None)
    token_path = Path(explicit or yt.token).expanduser()
    if not token_path.is_absolute():
        token_path = content_dir / token_path
    secret = Path(getattr(args, "client_secret", None) or yt.client_secret).expanduser()
    if not secret.is_absolute() and getattr(args, "client_secret", None) is None:
        secret = content_dir / secret

    policy = RetryPolicy(max_retries=yt.max_retries)
    if sleep is not None:
        policy.sleep = sleep
    http = make_http(float(getattr(yt, "timeout", 120.0)))
    tokens = load_credentials(token_path, secret, explicit_token=explicit is not None,
                              token_uri=token_uri_for(api_root), http=http, login=login,
                              open_browser=not getattr(args, "no_browser", False), notify=console.note, policy=policy)
    authed = authorized(tokens.credentials, http)
    service = build_service(authed, api_root)
    client = YouTubeClient(service, authed, policy, tokens, notify=console.note)
    publisher = Publisher(client, ledger, settings, plan, notify=console.note, progress=console.progress)
    failure: PublishError | None = None
    try:
        publisher.run()
    except PublishError as exc:
        failure = exc
    finally:
        tokens.save_if_refreshed()
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
            raise PublishError(f"YouTube quota exhausted ({failure.reason}); it resets at {describe_reset()}: "
                               "run publish again then to finish") from None
        raise failure
    console.say(f"ledger: {ledger_path(content_dir)}")
    if log.skipped:
        names = ", ".join(slug for slug, _ in log.skipped)
        raise PublishError(f"{len(log.skipped)} film{'s' if len(log.skipped) != 1 else ''} could not be "
                           f"published: {names} (reasons above)")
    return 0
