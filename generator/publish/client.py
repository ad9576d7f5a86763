"""The YouTube calls publishing needs, each with retries, error translation and quota counting.

Uploads use the resumable protocol through ``googleapiclient``'s own ``next_chunk``: after a failed
chunk the library asks the server how many bytes it holds (empty PUT, ``Content-Range: bytes */N``,
answered by 308 and a Range header) and continues from there. Chunks are handed to the library as
bytes rather than a stream, so any transport-level resend (httplib2 retries a request once when a
kept-alive connection turns out dead) sends the same bytes again instead of an exhausted stream.

Inserts are not idempotent: when a create call fails without an HTTP answer (connection lost after
sending), the next attempt first looks for what the lost call may have created.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from googleapiclient.errors import HttpError
from googleapiclient.http import MediaInMemoryUpload, MediaUpload

from ..errors import ElectricSpeechError, PublishError
from .metadata import CaptionPayload
from .quota import IDS_PER_LIST, QuotaTally
from .retry import RetryPolicy, call_with_retries, error_status_and_reason, is_transient, short_error
from .youtube import QUOTA_REASONS, AuthFailed, QuotaExhausted, TokenStore, relogin_hint

AUTH_REASONS = frozenset({"authError", "insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                          "UNAUTHENTICATED"})

T = TypeVar("T")


class FileChunks(MediaUpload):
    """A file offered to the library chunk by chunk as bytes (see the module docstring)."""

    def __init__(self, path: Path, mimetype: str, chunksize: int) -> None:
        super().__init__()
        self._path = path
        self._mimetype = mimetype
        self._chunksize = chunksize
        self._size = path.stat().st_size

    def chunksize(self) -> int:
        return self._chunksize

    def mimetype(self) -> str:
        return self._mimetype

    def size(self) -> int:
        return self._size

    def resumable(self) -> bool:
        return True

    def has_stream(self) -> bool:
        return False

    def getbytes(self, begin: int, length: int) -> bytes:
        with open(self._path, "rb") as fh:
            fh.seek(begin)
            return fh.read(length)


class RequestRejected(PublishError):
    """YouTube answered a call with a 4xx that retrying will not change (invalid metadata, not found)."""


class GaveUp(PublishError):
    """A call failed transiently on every attempt the retry policy allows."""

    def __init__(self, message: str, *, detail: str, answered: bool) -> None:
        super().__init__(message)
        self.detail = detail  # "gave up after N retries (what the last attempt failed with)"
        self.answered = answered  # the last attempt got an HTTP answer (5xx, 429), not a dead connection


class SessionGone(PublishError):
    """The resumable upload session expired or is unknown to the server."""


class SessionUnreachable(PublishError):
    """The host of a stored resumable upload session did not answer through all retries."""


@dataclass
class SessionState:
    state: str  # "complete", "incomplete" or "gone"
    offset: int = 0  # bytes the server holds (incomplete)
    resource: dict[str, Any] | None = None  # the video (complete)


class YouTubeClient:
    def __init__(self, service: Any, http: Any, policy: RetryPolicy, tokens: TokenStore | None,
                 notify: Callable[[str], None] = lambda _m: None) -> None:
        self.service = service
        self.http = http
        self.policy = policy
        self.tokens = tokens
        self.notify = notify
        self.tally = QuotaTally()
        self.live_status: dict[str, dict[str, Any]] = {}  # video id -> its status as existing_videos found it

    # -- plumbing ---------------------------------------------------------------------------------
    def _token_path(self) -> Path | None:
        return self.tokens.path if self.tokens else None

    def translate(self, exc: BaseException, what: str) -> ElectricSpeechError:
        """One-line error for anything a call can fail with."""
        if isinstance(exc, ElectricSpeechError):
            return exc
        status, reason, message = error_status_and_reason(exc)
        token = self._token_path()
        hint = relogin_hint(token) if token else "check the --youtube-token file"
        if status == 403 and reason in QUOTA_REASONS:
            return QuotaExhausted(f"YouTube {reason}: {message or 'daily quota used up'}", reason)
        if status == 401 or (status == 403 and reason in AUTH_REASONS):
            detail = f"HTTP {status}{' ' + reason if reason else ''}"
            return AuthFailed(f"{what}: YouTube refused the login ({detail}); {hint}")
        try:
            from google.auth.exceptions import RefreshError

            if isinstance(exc, RefreshError):
                return AuthFailed(f"{what}: the stored YouTube login no longer works; {hint}")
        except ImportError:
            pass
        if is_transient(exc):
            n = self.policy.max_retries
            detail = f"gave up after {n} retr{'y' if n == 1 else 'ies'} ({short_error(exc)})"
            return GaveUp(f"{what}: {detail}; run publish again to continue where it stopped", detail=detail,
                          answered=bool(status))
        if 400 <= status < 500:
            return RequestRejected(f"{what}: {short_error(exc)}")
        return PublishError(f"{what}: {short_error(exc)}")

    def _run(self, method: str, action: Callable[[], T], what: str, *, passthrough: frozenset[int] = frozenset(),
             lookup: Callable[[], T | None] | None = None) -> T:
        def before_retry(exc: BaseException) -> T | None:
            # only a failure without an HTTP answer leaves it open whether the call took effect
            if lookup is None or error_status_and_reason(exc)[0] or isinstance(exc, ConnectionRefusedError):
                return None
            return lookup()

        try:
            result = call_with_retries(action, self.policy, notify=self.notify, what=what, before_retry=before_retry)
        except HttpError as exc:
            if error_status_and_reason(exc)[0] in passthrough:
                if not method.startswith("upload."):
                    self.tally.add(method)  # a refused call still costs its quota
                raise
            raise self.translate(exc, what) from None
        except ElectricSpeechError:
            raise
        except Exception as exc:
            from_google = type(exc).__module__.startswith(("google", "httplib2"))
            if isinstance(exc, (OSError, ValueError)) or is_transient(exc) or from_google:
                raise self.translate(exc, what) from None
            raise
        finally:
            if self.tokens is not None:
                self.tokens.save_if_refreshed()
        if not method.startswith("upload."):  # chunks and session queries cost no quota
            self.tally.add(method)
        return result

    def _execute(self, method: str, make: Callable[[], Any], what: str, **kw: Any) -> dict[str, Any]:
        # the API's execute() answers with the decoded JSON resource (googleapiclient is untyped)
        result: dict[str, Any] = self._run(method, lambda: make().execute(num_retries=0), what, **kw)
        return result

    # -- videos -----------------------------------------------------------------------------------
    def query_session(self, session_uri: str, total: int) -> SessionState:
        """Ask a resumable session how far it got (costs no quota)."""

        def ask() -> SessionState:
            resp, content = self.http.request(session_uri, "PUT", body=b"",
                                              headers={"Content-Range": f"bytes */{total}", "Content-Length": "0"})
            if resp.status in (200, 201):
                return SessionState("complete", total, json.loads(content.decode("utf-8")))
            if resp.status == 308:
                rng = resp.get("range", "")
                return SessionState("incomplete", int(rng.rsplit("-", 1)[1]) + 1 if rng else 0)
            if 400 <= resp.status < 500 and resp.status not in (401, 403, 429):
                return SessionState("gone")  # expired, unknown or unusable: never retry it forever
            raise HttpError(resp, content, uri=session_uri)

        try:
            return self._run("upload.status", ask, "checking the interrupted upload")
        except GaveUp as exc:
            if exc.answered:  # the host is there (5xx): the session may work on the next run
                raise
            # connection errors and timeouts on every attempt: asking again next run would fail the
            # same way, forever (the session URI names one host, e.g. an --youtube-api-root since moved)
            raise SessionUnreachable("the upload session stored by an earlier run no longer answers: "
                                     f"{exc.detail}") from None

    def upload_video(self, path: Path, body: dict[str, Any], mimetype: str, chunk_size: int, *,
                     resume: tuple[str, int] | None, on_session: Callable[[str], None],
                     on_progress: Callable[[int, int], None]) -> dict[str, Any]:
        media = FileChunks(path, mimetype, chunk_size)
        request = self.service.videos().insert(part="snippet,status", body=body, media_body=media)
        if resume is not None:
            request.resumable_uri, request.resumable_progress = resume
            on_progress(resume[1], media.size())

        def session_started(uri: str) -> None:
            self.tally.add("videos.insert")
            on_session(uri)

        response: dict[str, Any] | None = None
        self.http.on_session = session_started
        try:
            while response is None:
                try:
                    status, response = self._run("upload.chunk", lambda: request.next_chunk(num_retries=0),
                                                 f"uploading {path.name}", passthrough=frozenset({404, 410}))
                except HttpError as exc:
                    raise SessionGone(f"YouTube ended the upload session (HTTP {status_of(exc)})") from None
                if status is not None:
                    on_progress(status.resumable_progress, media.size())
        finally:
            self.http.on_session = None
        on_progress(media.size(), media.size())
        return response

    def update_video(self, video_id: str, parts: list[str], snippet: dict[str, Any],
                     status: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"id": video_id}
        if "snippet" in parts:
            body["snippet"] = snippet
        if "status" in parts:
            body["status"] = status
        return self._execute("videos.update", lambda: self.service.videos().update(part=",".join(parts), body=body),
                             "updating the video metadata", passthrough=frozenset({404}))

    def existing_videos(self, ids: list[str]) -> set[str]:
        """Those of ``ids`` that are still videos on YouTube: one videos.list (1 unit) per 50 ids.

        Videos deleted on YouTube are simply left out of the answer; one that is being deleted can
        still be listed for a moment with uploadStatus "deleted", and counts as gone. The status of each is
        kept in ``live_status``: a status update sends back what was set in YouTube Studio."""
        present: set[str] = set()
        for start in range(0, len(ids), IDS_PER_LIST):
            batch = ",".join(ids[start:start + IDS_PER_LIST])

            def request(batch: str = batch) -> Any:  # binds this batch
                return self.service.videos().list(part="status", id=batch)

            page = self._execute("videos.list", request, "checking that the published videos are still on YouTube")
            for item in page.get("items") or []:
                if item.get("status", {}).get("uploadStatus") != "deleted":
                    present.add(str(item.get("id", "")))
                    self.live_status[str(item.get("id", ""))] = dict(item.get("status") or {})
        return present

    def recent_uploads(self) -> list[dict[str, Any]]:
        """The channel's newest uploads (one page): snippets with title, publishedAt, resourceId."""
        channels = self._execute("channels.list",
                                 lambda: self.service.channels().list(part="contentDetails", mine=True),
                                 "finding the channel's uploads")
        items = channels.get("items") or []
        if not items:
            return []
        uploads = items[0].get("contentDetails", {}).get("relatedPlaylists", {}).get("uploads", "")
        if not uploads:
            return []
        page = self._execute("playlistItems.list", lambda: self.service.playlistItems().list(
            part="snippet", playlistId=uploads, maxResults=50), "listing the channel's uploads")
        return [item.get("snippet", {}) for item in page.get("items") or []]

    # -- captions ---------------------------------------------------------------------------------
    def find_caption(self, video_id: str, name: str, language: str) -> dict[str, Any] | None:
        found = self._execute("captions.list",
                              lambda: self.service.captions().list(part="snippet", videoId=video_id),
                              "listing caption tracks")
        items: list[dict[str, Any]] = found.get("items") or []
        for item in items:
            snip = item.get("snippet", {})
            if snip.get("name") == name and snip.get("language") == language:
                return item
        return None

    def insert_caption(self, video_id: str, payload: CaptionPayload) -> dict[str, Any]:
        body = {"snippet": {"videoId": video_id, "language": payload.language, "name": payload.name, "isDraft": False}}
        return self._execute(
            "captions.insert",
            lambda: self.service.captions().insert(part="snippet", body=body, media_body=_media(payload)),
            "uploading the caption track", passthrough=frozenset({404, 409}),
            lookup=lambda: self.find_caption(video_id, payload.name, payload.language))

    def update_caption(self, caption_id: str, payload: CaptionPayload) -> dict[str, Any]:
        return self._execute(
            "captions.update",
            lambda: self.service.captions().update(part="id", body={"id": caption_id}, media_body=_media(payload)),
            "updating the caption track", passthrough=frozenset({404}))

    # -- playlists --------------------------------------------------------------------------------
    def find_playlist(self, title: str) -> str | None:
        token: str | None = None
        while True:
            def request(token: str | None = token) -> Any:  # binds this page's token
                return self.service.playlists().list(part="snippet", mine=True, maxResults=50, pageToken=token)

            page = self._execute("playlists.list", request, "listing your playlists")
            for item in page.get("items") or []:
                if item.get("snippet", {}).get("title") == title:
                    return str(item["id"])
            token = page.get("nextPageToken")
            if not token:
                return None

    def insert_playlist(self, title: str, privacy: str, description: str) -> str:
        body = {"snippet": {"title": title, "description": description}, "status": {"privacyStatus": privacy}}
        found = self._execute("playlists.insert",
                              lambda: self.service.playlists().insert(part="snippet,status", body=body),
                              "creating the playlist", lookup=lambda: self._playlist_as_item(title))
        return str(found["id"])

    def _playlist_as_item(self, title: str) -> dict[str, Any] | None:
        pid = self.find_playlist(title)
        return {"id": pid} if pid else None

    def find_playlist_item(self, playlist_id: str, video_id: str) -> dict[str, Any] | None:
        page = self._execute("playlistItems.list", lambda: self.service.playlistItems().list(
            part="id,snippet", playlistId=playlist_id, videoId=video_id, maxResults=50), "listing the playlist")
        items = page.get("items") or []
        return items[0] if items else None

    def insert_playlist_item(self, playlist_id: str, video_id: str) -> dict[str, Any]:
        body = {"snippet": {"playlistId": playlist_id, "resourceId": {"kind": "youtube#video", "videoId": video_id}}}
        return self._execute(
            "playlistItems.insert", lambda: self.service.playlistItems().insert(part="snippet", body=body),
            "adding the video to the playlist", passthrough=frozenset({404}),
            lookup=lambda: self.find_playlist_item(playlist_id, video_id))


def _media(payload: CaptionPayload) -> MediaInMemoryUpload:
    # octet-stream: YouTube detects WebVTT and SubRip itself
    return MediaInMemoryUpload(payload.data, mimetype="application/octet-stream", resumable=False)


def status_of(exc: BaseException) -> int:
    return error_status_and_reason(exc)[0]
