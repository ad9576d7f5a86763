"""Carry out a publish plan, one API call at a time, recording each result in the ledger.

Avoiding duplicate videos. A video exists on YouTube only once its last byte has arrived, so the
risky moment is between YouTube finishing an upload and the ledger recording the new id. Before the
upload starts the ledger notes that an upload is in flight (time, file hash, title); the resumable
session URI is saved the moment YouTube issues it, before any byte is sent; the id replaces both as
soon as the final answer arrives. A later run that finds an upload in flight asks the session (an
empty PUT with ``Content-Range: bytes */N``, no quota): if it is complete YouTube returns the video,
whose id is recorded instead of uploading again; if incomplete, the upload continues from the byte
YouTube acknowledged. Sessions live for about a week; if the session has expired the run looks
through the channel's newest uploads for a video with the same title published after the upload
began, and adopts it (with a warning) rather than uploading a second copy. Caption tracks and
playlist entries use the same idea with a *pending* mark and a lookup (by track name; by playlist
and video) before creating them again.

A session can also die without saying so: its host stops answering (connection refused, timeouts),
or YouTube ends it in the middle of an upload (404/410 on a chunk). Asking it again on every later
run would fail the same way forever, so the run that meets it gives it up once its retries are
spent: it runs the same channel lookup (the upload may have completed with its answer lost) and, if
the lookup finds nothing, drops the session from the ledger and skips the film for this run; the
next run starts a fresh upload. The lookup comes first because the stored session (start time,
title) is what it searches with; if the API does not answer either, the network is down rather than
the session, and the session is kept for the next run to resume. A session that answers 404/410 to
the status query at the start of a run is a definite "expired": it is replaced in the same run, as
above. A film whose video was deleted on YouTube and is uploaded again (``--reupload-missing``)
first forgets the dead video in the ledger, so an interrupted re-upload never leaves its id behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from googleapiclient.errors import HttpError

from ..config import Settings
from ..errors import PublishError
from .client import GaveUp, RequestRejected, SessionGone, SessionUnreachable, YouTubeClient, status_of
from .ledger import FilmRecord, Ledger, PlaylistRecord, UploadSession, utc_now
from .metadata import clean_text, status_update, video_mimetype
from .plan import (
    ADD_TO_PLAYLIST,
    INSERT_CAPTIONS,
    RESUME,
    UPDATE_CAPTIONS,
    UPDATE_META,
    UPLOAD,
    Action,
    FilmPlan,
    PublishPlan,
)

ProgressFactory = Callable[[str, int], Callable[[int, int], None]]  # (label, total) -> update(done, total)


class FilmSkipped(Exception):
    """The film cannot be published further in this run (e.g. its video was deleted on YouTube)."""


@dataclass
class Step:
    slug: str
    action: Action
    result: str = ""


@dataclass
class RunLog:
    done: list[Step] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (slug, why)
    ids_changed: bool = False


def _no_progress(label: str, total: int) -> Callable[[int, int], None]:
    return lambda done, total: None


class Publisher:
    def __init__(self, client: YouTubeClient, ledger: Ledger, settings: Settings, plan: PublishPlan, *,
                 notify: Callable[[str], None] = lambda _m: None, progress: ProgressFactory = _no_progress) -> None:
        self.client = client
        self.ledger = ledger
        self.settings = settings
        self.plan = plan
        self.notify = notify
        self.progress = progress
        self.log = RunLog()
        self._playlist_resolved = False

    # -- driving ----------------------------------------------------------------------------------
    def run(self) -> RunLog:
        handlers: dict[str, Callable[[FilmPlan, FilmRecord], str]] = {
            UPLOAD: self._upload, RESUME: self._upload, UPDATE_META: self._update_metadata,
            INSERT_CAPTIONS: self._insert_captions, UPDATE_CAPTIONS: self._update_captions,
            ADD_TO_PLAYLIST: self._add_to_playlist,
        }
        for fp in self.plan.films:
            slug = fp.film.slug
            for note in fp.notes:
                self.notify(f"{slug}: {note}")
            try:
                for action in fp.actions:
                    rec = self.ledger.film(slug)
                    result = handlers[action.kind](fp, rec)
                    self.log.done.append(Step(slug, action, result))
                    self.notify(f"{slug}: {result}")
            except (FilmSkipped, RequestRejected) as why:  # this film only; the others may be fine
                self.log.skipped.append((slug, str(why)))
                self.notify(f"{slug}: skipped: {why}")
        return self.log

    def remaining(self) -> list[tuple[str, Action]]:
        done = {(s.slug, id(s.action)) for s in self.log.done}
        skipped = {slug for slug, _ in self.log.skipped}
        left = [(fp.film.slug, a) for fp in self.plan.films for a in fp.actions
                if (fp.film.slug, id(a)) not in done and fp.film.slug not in skipped]
        return left

    def _save(self) -> None:
        self.ledger.save()

    # -- video ------------------------------------------------------------------------------------
    def _adopt(self, fp: FilmPlan, rec: FilmRecord, resource: dict[str, Any], session: UploadSession | None) -> None:
        new_id = str(resource["id"])
        if rec.video_id and rec.video_id != new_id:
            rec.forget_video()  # its caption track and playlist entry belonged to the old video
        rec.video_id = new_id
        rec.video_sha256 = session.video_sha256 if session else fp.video_sha256
        rec.snippet_sha256 = session.snippet_sha256 if session and session.snippet_sha256 else fp.snippet_sha256
        rec.status_sha256 = session.status_sha256 if session and session.status_sha256 else fp.status_sha256
        # sent with this video only if its status is this run's (a session started by an older run: unknown)
        rec.synthetic_media = fp.synthetic if rec.status_sha256 == fp.status_sha256 else None
        rec.upload = None
        rec.published = rec.updated = utc_now()
        self.log.ids_changed = True
        self._save()

    def _upload(self, fp: FilmPlan, rec: FilmRecord) -> str:
        if fp.missing_id and rec.video_id == fp.missing_id:
            rec.forget_video()  # deleted on YouTube: the pages must not embed it meanwhile
            self.log.ids_changed = True
            self._save()
        session = rec.upload
        resume: tuple[str, int] | None = None
        if session is not None and session.session_uri:
            try:
                state = self.client.query_session(session.session_uri, session.size)
            except SessionUnreachable as exc:
                return self._give_up_session(fp, rec, session, str(exc))
            if state.state == "complete" and state.resource:
                self._adopt(fp, rec, state.resource, session)
                return self._after_adopt(fp, rec, "the interrupted upload had completed: recorded")
            same_video = session.video_sha256 == fp.video_sha256 and session.size == fp.video_size
            if state.state == "incomplete" and same_video:
                resume = (session.session_uri, state.offset)
                self.notify(f"{fp.film.slug}: resuming the upload at byte {state.offset} of {fp.video_size}")
            elif state.state == "gone":
                found = self._find_lost_upload(session)
                if found:
                    self._adopt(fp, rec, {"id": found}, session)
                    return self._after_adopt(
                        fp, rec, f"found the video of an interrupted upload on the channel ({found}): "
                        "recorded instead of uploading again; check it in YouTube Studio")
        if resume is None:
            rec.upload = UploadSession(started=utc_now(), video_sha256=fp.video_sha256, size=fp.video_size,
                                       title=fp.snippet["title"], snippet_sha256=fp.snippet_sha256,
                                       status_sha256=fp.status_sha256)
            self._save()
        current = rec.upload
        assert current is not None

        def on_session(uri: str) -> None:
            current.session_uri = uri
            self._save()

        update = self.progress(f"{fp.film.slug}", fp.video_size)
        try:
            resource = self.client.upload_video(
                fp.video_path, {"snippet": fp.snippet, "status": fp.status}, video_mimetype(fp.video_path.suffix),
                self.settings.youtube.chunk_size, resume=resume, on_session=on_session, on_progress=update)
        except SessionGone as exc:
            return self._give_up_session(fp, rec, current, str(exc))
        except PublishError:
            if not current.session_uri:  # refused before a session existed: nothing is in flight
                rec.upload = None
                self._save()
            raise
        self._adopt(fp, rec, resource, current)
        privacy = resource.get("status", {}).get("privacyStatus", fp.status["privacyStatus"])
        return f"uploaded as https://youtu.be/{rec.video_id} ({privacy})"

    def _after_adopt(self, fp: FilmPlan, rec: FilmRecord, message: str) -> str:
        if fp.stale_parts(rec):
            message += "; " + self._update_metadata(fp, rec)
        return message

    def _give_up_session(self, fp: FilmPlan, rec: FilmRecord, session: UploadSession, why: str) -> str:
        """The session is dead (see the module docstring): adopt its video if it completed, else drop it."""
        try:
            found = self._find_lost_upload(session)
        except GaveUp as exc:
            if exc.answered:
                raise
            raise PublishError(f"{fp.film.slug}: {why}, and the YouTube API does not answer either ({exc.detail}); "
                               "the session is kept: check the connection and run publish again") from None
        if found:
            self._adopt(fp, rec, {"id": found}, session)
            return self._after_adopt(fp, rec, f"{why}; its video had arrived ({found}): recorded instead of "
                                              "uploading again; check it in YouTube Studio")
        rec.upload = None
        self._save()
        raise FilmSkipped(f"{why}; dropped it (no finished upload of {session.title!r} on the channel): "
                          "the next publish uploads the film afresh")

    def _find_lost_upload(self, session: UploadSession) -> str | None:
        try:
            started = datetime.strptime(session.started, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return None
        for snip in self.client.recent_uploads():
            published = str(snip.get("publishedAt", ""))
            try:
                when = datetime.fromisoformat(published.replace("Z", "+00:00"))
            except ValueError:
                continue
            if snip.get("title") == session.title and when >= started - timedelta(minutes=10):
                return str(snip.get("resourceId", {}).get("videoId", "")) or None
        return None

    def _update_metadata(self, fp: FilmPlan, rec: FilmRecord) -> str:
        parts = fp.stale_parts(rec)
        if not parts:
            return "metadata already up to date"
        # the status part replaces the video's whole status: what was set in YouTube Studio goes back with it
        status = status_update(fp.status, self.client.live_status.get(rec.video_id))
        try:
            self.client.update_video(rec.video_id, parts, fp.snippet, status)
        except HttpError as exc:
            raise FilmSkipped(self._gone(rec, exc)) from None
        if "snippet" in parts:
            rec.snippet_sha256 = fp.snippet_sha256
        if "status" in parts:
            rec.status_sha256 = fp.status_sha256
            rec.synthetic_media = fp.synthetic
        rec.updated = utc_now()
        self._save()
        flag = f" (containsSyntheticMedia: {'true' if fp.synthetic else 'false'})" if "status" in parts else ""
        return f"updated {' and '.join(parts)} of {rec.video_id}{flag}"

    def _gone(self, rec: FilmRecord, exc: HttpError) -> str:
        return (f"video {rec.video_id} is no longer on YouTube (HTTP {status_of(exc)}); "
                "run publish --reupload-missing to upload the film again")

    # -- captions ---------------------------------------------------------------------------------
    def _insert_captions(self, fp: FilmPlan, rec: FilmRecord) -> str:
        payload = fp.captions
        assert payload is not None
        pending = rec.pending.get("captions.insert")
        if pending:
            found = self.client.find_caption(rec.video_id, str(pending.get("name", payload.name)),
                                             str(pending.get("language", payload.language)))
            if found:
                rec.pending.pop("captions.insert", None)
                self._record_captions(rec, str(found["id"]), str(pending.get("sha256", "")), payload.name)
                if rec.captions_sha256 != payload.sha256:
                    return "found the caption track of an interrupted run; " + self._update_captions(fp, rec)
                return f"found the caption track of an interrupted run ({found['id']}): recorded"
        rec.pending["captions.insert"] = {"sha256": payload.sha256, "name": payload.name, "language": payload.language}
        self._save()
        try:
            track = self.client.insert_caption(rec.video_id, payload)
        except HttpError as exc:
            if status_of(exc) == 409:  # a track of this name exists (ledger lost?): take it over
                found = self.client.find_caption(rec.video_id, payload.name, payload.language)
                if found:
                    rec.pending.pop("captions.insert", None)
                    self._record_captions(rec, str(found["id"]), "", payload.name)
                    return self._update_captions(fp, rec)
            rec.pending.pop("captions.insert", None)
            self._save()
            raise FilmSkipped(self._gone(rec, exc)) from None
        rec.pending.pop("captions.insert", None)
        self._record_captions(rec, str(track["id"]), payload.sha256, payload.name)
        return f"caption track {payload.name!r} added ({track['id']})"

    def _record_captions(self, rec: FilmRecord, caption_id: str, sha: str, name: str) -> None:
        rec.caption_id, rec.captions_sha256, rec.caption_name = caption_id, sha, name
        rec.updated = utc_now()
        self._save()

    def _update_captions(self, fp: FilmPlan, rec: FilmRecord) -> str:
        payload = fp.captions
        assert payload is not None
        try:
            self.client.update_caption(rec.caption_id, payload)
        except HttpError:
            self.notify(f"{fp.film.slug}: caption track {rec.caption_id} was deleted on YouTube; adding it again")
            rec.caption_id = rec.captions_sha256 = ""
            self._save()
            return self._insert_captions(fp, rec)
        self._record_captions(rec, rec.caption_id, payload.sha256, rec.caption_name or payload.name)
        return f"caption track {rec.caption_id} updated"

    # -- playlist ---------------------------------------------------------------------------------
    def _playlist_id(self) -> str:
        title = self.plan.playlist_title
        known = self.ledger.playlist
        if known.title == title and known.id:
            return known.id
        pid = self.client.find_playlist(title)
        if pid is None:
            self.ledger.playlist = PlaylistRecord(title, "", pending=True)
            self._save()
            description = clean_text(self.settings.site.description or self.settings.site.title)[:5000]
            pid = self.client.insert_playlist(clean_text(title)[:150], self.settings.youtube.privacy, description)
            self.notify(f'playlist "{title}" created ({pid})')
        self.ledger.playlist = PlaylistRecord(title, pid)
        self._save()
        if self.plan.playlist is not None and not self._playlist_resolved:
            self._playlist_resolved = True
            self.log.done.append(Step("", self.plan.playlist, pid))
        return pid

    def _add_to_playlist(self, fp: FilmPlan, rec: FilmRecord) -> str:
        pid = self._playlist_id()
        pending = rec.pending.get("playlistItems.insert")
        if pending and pending.get("playlist_id") == pid:
            found = self.client.find_playlist_item(pid, rec.video_id)
            if found:
                return self._record_item(rec, pid, str(found["id"]), "found the playlist entry of an interrupted run")
        rec.pending["playlistItems.insert"] = {"playlist_id": pid}
        self._save()
        try:
            item = self.client.insert_playlist_item(pid, rec.video_id)
        except HttpError as exc:
            rec.pending.pop("playlistItems.insert", None)
            if "playlistNotFound" in str(getattr(exc, "content", b"")):
                self.ledger.playlist = PlaylistRecord()  # deleted on YouTube: find or create it again
                self._save()
                raise PublishError(f'the playlist "{self.plan.playlist_title}" ({pid}) was deleted on YouTube; '
                                   "run publish again to create it anew") from None
            self._save()
            raise FilmSkipped(self._gone(rec, exc)) from None
        return self._record_item(rec, pid, str(item["id"]), "added to the playlist")

    def _record_item(self, rec: FilmRecord, pid: str, item_id: str, message: str) -> str:
        rec.pending.pop("playlistItems.insert", None)
        rec.playlist_id, rec.playlist_item_id = pid, item_id
        rec.updated = utc_now()
        self._save()
        return f'{message} "{self.plan.playlist_title}" ({item_id})'
