"""A loopback stand-in for the YouTube Data API v3, speaking its wire protocol.

Enough of it for publishing: resumable video uploads (initiation, chunks with Content-Range, 308
Resume Incomplete with Range, status queries), multipart media uploads for caption tracks,
videos.list/update, captions.list/insert/update, playlists.list/insert, playlistItems.list/insert,
channels.list (the uploads playlist) and the OAuth token endpoint for refreshes.

It keeps every uploaded byte so tests compare uploads byte for byte, counts calls and quota units,
and injects faults: an HTTP error on the Nth matching request, a connection dropped after part of a
request body was read (the bytes read are kept, as a real server may), quota exhaustion after N
units, an upload limit. It is deliberately strict where YouTube is (title and description limits,
no angle brackets, chunk ranges that leave gaps) so a client bug shows up as a failed test.
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

UNITS = {
    "videos.insert": 1600, "videos.update": 50, "videos.list": 1,
    "captions.insert": 400, "captions.update": 450, "captions.list": 50,
    "playlists.list": 1, "playlists.insert": 50,
    "playlistItems.list": 1, "playlistItems.insert": 50, "channels.list": 1,
}
MUTATIONS = ("videos.insert", "videos.update", "captions.insert", "captions.update",
             "playlists.insert", "playlistItems.insert")

ACCESS_TOKEN = "fake-access-token-0"
REFRESH_TOKEN = "fake-refresh-token"


@dataclass
class Call:
    n: int  # 1-based over all requests
    verb: str
    path: str
    query: dict[str, list[str]]
    api: str  # e.g. "videos.insert", "upload.chunk", "upload.status", "oauth.token"
    status: int = 0
    units: int = 0
    content_range: str = ""


@dataclass
class Fault:
    api: str | None  # None: any request
    action: str  # "status" (answer with an error), "drop" (close mid-request), "lose" (act, then close), "stall"
    nth: int = 1  # the Nth matching request (counted from when the fault was added)
    times: int = 1  # how many consecutive matching requests, from the Nth on
    status: int = 503
    reason: str = "backendError"
    after_bytes: int = 0  # drop: read this much of the body first
    delay: float = 0.0  # stall: seconds to wait before handling the request
    seen: int = 0

    def matches(self, call: Call) -> bool:
        if self.api is not None and call.api != self.api:
            return False
        self.seen += 1
        return self.nth <= self.seen < self.nth + self.times


@dataclass
class Session:
    id: str
    part: str
    metadata: dict[str, Any]
    total: int | None
    content_type: str
    data: bytearray = field(default_factory=bytearray)
    video_id: str = ""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_related(body: bytes, content_type: str) -> list[tuple[dict[str, str], bytes]]:
    """Split a multipart/related body into (headers, content) parts (RFC 2046 delimiters)."""
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    if not m:
        raise ValueError("no boundary")
    delim = b"--" + m.group(1).encode("ascii")
    parts = []
    pieces = body.split(delim)
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            break
        piece = piece[2:] if piece.startswith(b"\r\n") else piece[1:] if piece.startswith(b"\n") else piece
        # headers end at the first empty line, whichever line ending the sender used
        ends = [(piece.find(sep), sep) for sep in (b"\r\n\r\n", b"\n\n") if piece.find(sep) >= 0]
        if not ends:
            raise ValueError("part without headers")
        at, sep = min(ends)
        head, content = piece[:at], piece[at + len(sep):]
        # the line break before the next delimiter belongs to the delimiter
        content = content[:-2] if content.endswith(b"\r\n") else content[:-1] if content.endswith(b"\n") else content
        headers = {}
        for line in head.decode("latin-1").splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        parts.append((headers, content))
    return parts


class ApiError(Exception):
    def __init__(self, status: int, reason: str, message: str = "") -> None:
        super().__init__(message or reason)
        self.status, self.reason, self.message = status, reason, message or reason


class FakeYouTube:
    """Start with ``with FakeYouTube() as yt:``; ``yt.root`` is the API root to point the client at."""

    def __init__(self, *, quota_limit: int | None = None, upload_limit: int | None = None,
                 page_size: int = 2) -> None:
        self.lock = threading.RLock()
        self.quota_limit = quota_limit
        self.upload_limit = upload_limit
        self.page_size = page_size  # small pages so clients must follow nextPageToken
        self.units = 0
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.access_tokens = {ACCESS_TOKEN}
        self.refresh_tokens = {REFRESH_TOKEN}
        self.reject_all_tokens = False  # every API call answers 401 (e.g. the account lost access)
        self.channel_id = "UCfakeChannel000000000000"
        self.videos: dict[str, dict[str, Any]] = {}
        self.video_bytes: dict[str, bytes] = {}
        self.video_order: list[str] = []
        self.captions: dict[str, dict[str, Any]] = {}
        self.caption_bytes: dict[str, bytes] = {}
        self.playlists: dict[str, dict[str, Any]] = {}
        self.playlist_items: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, Session] = {}
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> FakeYouTube:
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeYouTube:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def root(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    # -- test helpers -----------------------------------------------------------------------------
    def fail(self, api: str | None = None, *, nth: int = 1, times: int = 1, status: int = 503,
             reason: str = "backendError") -> None:
        """Answer the Nth matching request (and ``times``-1 after it) with an HTTP error."""
        with self.lock:
            self.faults.append(Fault(api, "status", nth, times, status, reason))

    def drop(self, api: str | None = "upload.chunk", *, nth: int = 1, times: int = 1, after_bytes: int = 0) -> None:
        """Close the connection of the Nth matching request after reading ``after_bytes`` of its body."""
        with self.lock:
            self.faults.append(Fault(api, "drop", nth, times, after_bytes=after_bytes))

    def stall(self, api: str | None, seconds: float, *, nth: int = 1, times: int = 1) -> None:
        """Wait ``seconds`` before handling the Nth matching request (the client should time out)."""
        with self.lock:
            self.faults.append(Fault(api, "stall", nth, times, delay=seconds))

    def lose_answer(self, api: str | None, *, nth: int = 1, times: int = 1) -> None:
        """Carry out the Nth matching request, then close the connection instead of answering."""
        with self.lock:
            self.faults.append(Fault(api, "lose", nth, times))

    def count(self, api: str) -> int:
        with self.lock:
            return sum(1 for c in self.calls if c.api == api and 200 <= c.status < 300)

    def attempts(self, api: str) -> int:
        with self.lock:
            return sum(1 for c in self.calls if c.api == api)

    def mutations(self) -> int:
        """Successful calls that create or change something."""
        return sum(self.count(api) for api in MUTATIONS)

    def reset_calls(self) -> None:
        with self.lock:
            self.calls.clear()

    def captions_of(self, video_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [c for c in self.captions.values() if c["snippet"]["videoId"] == video_id]

    def items_of(self, playlist_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [i for i in self.playlist_items.values() if i["snippet"]["playlistId"] == playlist_id]

    def token_info(self, *, token: str | None = ACCESS_TOKEN, expiry: str | None = "2999-01-01T00:00:00Z",
                   refresh_token: str = REFRESH_TOKEN) -> dict[str, Any]:
        """Authorized-user JSON accepted by this server (as Credentials.to_json writes it)."""
        info: dict[str, Any] = {
            "token": token, "refresh_token": refresh_token, "token_uri": self.root + "token",
            "client_id": "fake-client.apps.googleusercontent.com", "client_secret": "fake-client-secret",
            "scopes": ["https://www.googleapis.com/auth/youtube.force-ssl"],
        }
        if expiry:
            info["expiry"] = expiry
        return info

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    # -- dispatch -----------------------------------------------------------------------------------
    @staticmethod
    def classify(verb: str, path: str, query: dict[str, list[str]], headers: Any) -> str:
        if path == "/token":
            return "oauth.token"
        if path == "/upload/youtube/v3/videos":
            if "upload_id" in query:
                asks_status = (headers.get("Content-Range") or "").startswith("bytes */")
                return "upload.status" if asks_status else "upload.chunk"
            return "videos.insert"
        if path == "/upload/youtube/v3/captions":
            return {"POST": "captions.insert", "PUT": "captions.update"}.get(verb, "unknown")
        m = re.fullmatch(r"/youtube/v3/(videos|captions|playlists|playlistItems|channels)", path)
        if m:
            return m.group(1) + "." + {"GET": "list", "POST": "insert", "PUT": "update"}.get(verb, "unknown")
        return "unknown"

    def handle(self, h: _Handler) -> None:
        split = urlsplit(h.path)
        query = parse_qs(split.query)
        api = self.classify(h.command, split.path, query, h.headers)
        with self.lock:
            call = Call(len(self.calls) + 1, h.command, split.path, query, api,
                        content_range=h.headers.get("Content-Range", ""))
            self.calls.append(call)
            triggered = [f for f in self.faults if f.matches(call)]  # every rule counts every request
            fault = triggered[0] if triggered else None
        length = int(h.headers.get("Content-Length") or 0)
        if fault is not None and fault.action == "stall":
            time.sleep(fault.delay)
        if fault is not None and fault.action == "drop":
            partial = h.rfile.read(min(fault.after_bytes, length)) if length else b""
            if api == "upload.chunk" and partial:
                with self.lock:
                    self._commit_chunk(query, h.headers.get("Content-Range", ""), partial, final=False)
            call.status = -1
            h.close_connection = True
            try:
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        body = h.rfile.read(length) if length else b""
        if fault is not None and fault.action == "status":
            self._reply(h, call, fault.status, _error(fault.status, fault.reason))
            return
        try:
            if api == "oauth.token":
                status, payload, headers = self._token(body)
            else:
                if not api.startswith("upload."):
                    self._check_auth(h)
                    self._charge(call)
                with self.lock:
                    status, payload, headers = self._dispatch(api, h, query, body)
        except ApiError as exc:
            status, payload, headers = exc.status, _error(exc.status, exc.reason, exc.message), {}
        if fault is not None and fault.action == "lose":  # done (or refused), but the answer never arrives
            call.status = -status
            h.close_connection = True
            try:
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._reply(h, call, status, payload, headers)

    def _reply(self, h: _Handler, call: Call, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        call.status = status
        data = b"" if payload is None else json.dumps(payload).encode("utf-8")
        h.send_response(status, "Resume Incomplete" if status == 308 else None)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        if payload is not None:
            h.send_header("Content-Type", "application/json; charset=UTF-8")
        h.send_header("Content-Length", str(len(data)))
        try:
            h.end_headers()
            h.wfile.write(data)
        except OSError:  # the client gave up waiting (stall faults)
            h.close_connection = True

    def _check_auth(self, h: _Handler) -> None:
        auth = h.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.access_tokens or self.reject_all_tokens:
            raise ApiError(401, "authError", "Request had invalid authentication credentials.")

    def _charge(self, call: Call) -> None:
        cost = UNITS.get(call.api, 0)
        with self.lock:
            if call.api == "videos.insert" and self.upload_limit is not None:
                if sum(1 for c in self.calls if c.api == "videos.insert" and c.units) >= self.upload_limit:
                    raise ApiError(403, "uploadLimitExceeded",
                                   "The user has exceeded the number of videos they may upload.")
            if self.quota_limit is not None and self.units + cost > self.quota_limit:
                raise ApiError(403, "quotaExceeded",
                               "The request cannot be completed because you have exceeded your quota.")
            self.units += cost
            call.units = cost

    def _token(self, body: bytes) -> tuple[int, Any, dict[str, str]]:
        form = parse_qs(body.decode("utf-8"))
        refresh_token = form.get("refresh_token", [""])[0]
        if form.get("grant_type") != ["refresh_token"] or refresh_token not in self.refresh_tokens:
            return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}, {}
        with self.lock:
            token = f"fake-access-token-{next(self._ids)}"
            self.access_tokens.add(token)
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer",
                     "scope": "https://www.googleapis.com/auth/youtube.force-ssl"}, {}

    def _dispatch(self, api: str, h: _Handler, query: dict[str, list[str]],
                  body: bytes) -> tuple[int, Any, dict[str, str]]:
        q = {k: v[0] for k, v in query.items()}
        if api == "videos.insert":
            return self._videos_insert(h, q, body)
        if api in ("upload.chunk", "upload.status"):
            return self._upload(h, query, body)
        if api == "videos.list":
            ids = [i for i in q.get("id", "").split(",") if i]
            if not q.get("part"):
                raise ApiError(400, "missingRequiredParameter", "No filter selected. Expected one of: part")
            if len(ids) > 50:  # as YouTube: at most 50 ids per call
                raise ApiError(400, "invalidFilters", "The request specifies more than 50 video ids.")
            items = [self.videos[i] for i in ids if i in self.videos]
            return 200, {"kind": "youtube#videoListResponse", "items": items}, {}
        if api == "videos.update":
            return self._videos_update(q, _json(body))
        if api == "captions.insert":
            return self._captions_write(h, q, body, insert=True)
        if api == "captions.update":
            return self._captions_write(h, q, body, insert=False)
        if api == "captions.list":
            video_id = q.get("videoId", "")
            if video_id not in self.videos:
                raise ApiError(404, "videoNotFound")
            return 200, {"kind": "youtube#captionListResponse", "items": self.captions_of(video_id)}, {}
        if api == "playlists.list":
            if q.get("mine") != "true":
                raise ApiError(400, "missingRequiredParameter", "this fake only lists mine=true")
            return 200, self._page(list(self.playlists.values()), q), {}
        if api == "playlists.insert":
            data = _json(body)
            title = data.get("snippet", {}).get("title", "")
            if not title or "<" in title or ">" in title or len(title) > 150:
                raise ApiError(400, "invalidPlaylistSnippet")
            pid = self._new_id("PLfake")
            self.playlists[pid] = {"kind": "youtube#playlist", "id": pid,
                                   "snippet": {**data["snippet"], "channelId": self.channel_id, "publishedAt": _now()},
                                   "status": data.get("status", {"privacyStatus": "public"})}
            return 200, self.playlists[pid], {}
        if api == "playlistItems.insert":
            data = _json(body)
            snip = data.get("snippet", {})
            pid, vid = snip.get("playlistId", ""), snip.get("resourceId", {}).get("videoId", "")
            if pid not in self.playlists:
                raise ApiError(404, "playlistNotFound")
            if vid not in self.videos:
                raise ApiError(404, "videoNotFound")
            iid = self._new_id("PLI")
            snippet = {"playlistId": pid, "resourceId": {"kind": "youtube#video", "videoId": vid},
                       "title": self.videos[vid]["snippet"]["title"], "publishedAt": _now()}
            self.playlist_items[iid] = {"kind": "youtube#playlistItem", "id": iid, "snippet": snippet}
            return 200, self.playlist_items[iid], {}
        if api == "playlistItems.list":
            pid = q.get("playlistId", "")
            if pid == self.uploads_playlist:
                items = [{"kind": "youtube#playlistItem", "id": f"UPL{v}",
                          "snippet": {"playlistId": pid, "title": self.videos[v]["snippet"]["title"],
                                      "publishedAt": self.videos[v]["snippet"]["publishedAt"],
                                      "resourceId": {"kind": "youtube#video", "videoId": v}}}
                         for v in reversed(self.video_order) if v in self.videos]
            elif pid in self.playlists:
                items = self.items_of(pid)
            else:
                raise ApiError(404, "playlistNotFound")
            if "videoId" in q:
                items = [i for i in items if i["snippet"]["resourceId"]["videoId"] == q["videoId"]]
            return 200, self._page(items, q), {}
        if api == "channels.list":
            return 200, {"items": [{"kind": "youtube#channel", "id": self.channel_id,
                                    "contentDetails": {"relatedPlaylists": {"uploads": self.uploads_playlist}}}]}, {}
        raise ApiError(404, "notFound", f"no such endpoint: {h.command} {h.path}")

    @property
    def uploads_playlist(self) -> str:
        return "UU" + self.channel_id[2:]

    def _page(self, items: list[dict[str, Any]], q: dict[str, str]) -> dict[str, Any]:
        size = min(int(q.get("maxResults", 5)), self.page_size)
        start = int(q.get("pageToken", "0") or 0)
        page: dict[str, Any] = {"items": items[start:start + size], "pageInfo": {"totalResults": len(items)}}
        if start + size < len(items):
            page["nextPageToken"] = str(start + size)
        return page

    # -- videos -----------------------------------------------------------------------------------
    @staticmethod
    def _validate_snippet(snippet: dict[str, Any]) -> None:
        title, desc = snippet.get("title", ""), snippet.get("description", "")
        if not title or len(title) > 100 or "<" in title or ">" in title:
            raise ApiError(400, "invalidTitle", "The request metadata specifies an invalid video title.")
        if len(desc.encode("utf-8")) > 5000 or "<" in desc or ">" in desc:
            raise ApiError(400, "invalidDescription", "The request metadata specifies an invalid video description.")
        tags = snippet.get("tags", [])
        if sum(len(t) + (2 if " " in t else 0) for t in tags) + max(0, len(tags) - 1) > 500:
            raise ApiError(400, "invalidTags", "The request metadata specifies invalid video keywords.")
        if not snippet.get("categoryId"):
            raise ApiError(400, "invalidCategoryId")

    @staticmethod
    def _validate_status(status: dict[str, Any]) -> None:
        if status.get("privacyStatus", "public") not in ("private", "unlisted", "public"):
            raise ApiError(400, "invalidVideoMetadata", "The request metadata specifies an invalid privacy status.")
        for key in ("containsSyntheticMedia", "embeddable", "publicStatsViewable", "selfDeclaredMadeForKids"):
            if key in status and not isinstance(status[key], bool):
                raise ApiError(400, "invalidVideoMetadata", f"status.{key} must be a boolean.")
        if status.get("publishAt") and status.get("privacyStatus") != "private":
            raise ApiError(400, "invalidPublishAt", "publishAt can only be set for a private video.")

    def _videos_insert(self, h: _Handler, q: dict[str, str], body: bytes) -> tuple[int, Any, dict[str, str]]:
        if q.get("uploadType") != "resumable":
            raise ApiError(400, "badRequest", "this fake takes video uploads only as resumable uploads")
        meta = _json(body)
        self._validate_snippet(meta.get("snippet", {}))
        self._validate_status(meta.get("status", {}))
        total = h.headers.get("X-Upload-Content-Length")
        sid = self._new_id("sess")
        self.sessions[sid] = Session(sid, q.get("part", ""), meta, int(total) if total else None,
                                     h.headers.get("X-Upload-Content-Type", ""))
        location = f"{self.root}upload/youtube/v3/videos?uploadType=resumable&upload_id={sid}&part={q.get('part', '')}"
        return 200, None, {"Location": location}

    def _commit_chunk(self, query: dict[str, list[str]], content_range: str, data: bytes, final: bool) -> Session:
        sid = query.get("upload_id", [""])[0]
        session = self.sessions.get(sid)
        if session is None:
            raise ApiError(404, "notFound", "upload session expired or unknown")
        m = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+|\*)", content_range.strip())
        if not m:
            raise ApiError(400, "badContentRange", content_range)
        start = int(m.group(1))
        if m.group(3) != "*":
            session.total = int(m.group(3))
        have = len(session.data)
        if start > have:
            raise ApiError(400, "badContentRange", f"chunk starts at {start} but only {have} bytes were received")
        session.data.extend(data[have - start:])
        return session

    def _upload(self, h: _Handler, query: dict[str, list[str]], body: bytes) -> tuple[int, Any, dict[str, str]]:
        sid = query.get("upload_id", [""])[0]
        session = self.sessions.get(sid)
        if session is None:
            raise ApiError(404, "notFound", "upload session expired or unknown")
        content_range = h.headers.get("Content-Range", "")
        if session.video_id:
            return 200, self.videos[session.video_id], {}
        if not content_range.startswith("bytes */"):
            session = self._commit_chunk(query, content_range, body, final=True)
        if session.total is not None and len(session.data) >= session.total:
            return 200, self._finish(session), {}
        headers = {"Range": f"bytes=0-{len(session.data) - 1}"} if session.data else {}
        return 308, None, headers

    def _finish(self, session: Session) -> dict[str, Any]:
        vid = self._new_id("vid")
        meta = session.metadata
        self.videos[vid] = {
            "kind": "youtube#video", "id": vid,
            "snippet": {**meta.get("snippet", {}), "publishedAt": _now(), "channelId": self.channel_id},
            "status": {"uploadStatus": "uploaded", "privacyStatus": "public", **meta.get("status", {})},
        }
        self.video_bytes[vid] = bytes(session.data)
        self.video_order.append(vid)
        session.video_id = vid
        return self.videos[vid]

    def _videos_update(self, q: dict[str, str], data: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        vid = data.get("id", "")
        if vid not in self.videos:
            raise ApiError(404, "videoNotFound", "The video that you are trying to update cannot be found.")
        parts = [p for p in q.get("part", "").split(",") if p]
        video = self.videos[vid]
        if "status" in parts and "status" in data:  # refused whole, before anything changes
            self._validate_status(data["status"])
        for part in parts:
            if part not in data:
                continue
            if part == "snippet":
                self._validate_snippet(data["snippet"])
                keep = {k: video["snippet"][k] for k in ("publishedAt", "channelId")}
                video["snippet"] = {**data["snippet"], **keep}
            elif part == "status":  # as YouTube: the whole status is replaced, what is left out is reset
                video["status"] = {**data["status"], "uploadStatus": video["status"]["uploadStatus"]}
        return 200, video, {}

    # -- captions ---------------------------------------------------------------------------------
    def _captions_write(self, h: _Handler, q: dict[str, str], body: bytes,
                        insert: bool) -> tuple[int, Any, dict[str, str]]:
        if q.get("uploadType") != "multipart":
            raise ApiError(400, "badRequest", "this fake takes caption tracks as multipart uploads")
        parts = parse_related(body, h.headers.get("Content-Type", ""))
        if len(parts) != 2:
            raise ApiError(400, "badRequest", "expected metadata and media parts")
        meta = json.loads(parts[0][1].decode("utf-8"))
        media = parts[1][1]
        if insert:
            snip = meta.get("snippet", {})
            if snip.get("videoId") not in self.videos:
                raise ApiError(404, "videoNotFound")
            if not snip.get("language") or not snip.get("name"):
                raise ApiError(400, "invalidMetadata", "snippet.language and snippet.name are required")
            if any(c["snippet"]["name"] == snip["name"] and c["snippet"]["language"] == snip["language"]
                   for c in self.captions_of(snip["videoId"])):
                raise ApiError(409, "captionExists", "a track with this language and name already exists")
            cid = self._new_id("cap")
            self.captions[cid] = {"kind": "youtube#caption", "id": cid,
                                  "snippet": {"videoId": snip["videoId"], "language": snip["language"],
                                              "name": snip["name"], "isDraft": bool(snip.get("isDraft", False)),
                                              "trackKind": "standard", "lastUpdated": _now()}}
        else:
            cid = meta.get("id", "")
            if cid not in self.captions:
                raise ApiError(404, "captionNotFound", "The caption track could not be found.")
            self.captions[cid]["snippet"]["lastUpdated"] = _now()
        self.caption_bytes[cid] = media
        return 200, self.captions[cid], {}


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8") or "{}")
    except ValueError:
        raise ApiError(400, "parseError", "body is not JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "parseError", "body is not an object")
    return data


def _error(status: int, reason: str, message: str = "") -> dict[str, Any]:
    message = message or reason
    return {"error": {"code": status, "message": message,
                      "errors": [{"domain": "youtube.quota" if "quota" in reason.lower() else "global",
                                  "reason": reason, "message": message}]}}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeYouTube

    def setup(self) -> None:
        super().setup()
        # headers and body go out in separate writes: without this, Nagle + delayed ACK add ~40 ms each
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self.fake.handle(self)

    do_POST = do_PUT = do_DELETE = do_GET


# -- a site to publish, for tests -----------------------------------------------------------------
@dataclass
class PublishRun:
    rc: int
    out: str
    err: str
    error: Exception | None = None  # the ElectricSpeechError the CLI would print as one line

    @property
    def text(self) -> str:
        return self.out + self.err + (str(self.error) if self.error else "")


class PublishSite:
    """A site folder with films (random-byte videos, machine subtitles), a token file for ``fake``
    and ``publish()``, which runs the real command against the fake with sleeps recorded, not slept."""

    CHUNK = 256 * 1024

    def __init__(self, tmp_path: Any, fake: FakeYouTube, films: int = 2, video_size: int = 600_000,
                 playlist: str = "Electric Speech") -> None:
        from pathlib import Path

        from generator.config import Settings
        from generator.model import SiteModel

        self.fake = fake
        self.tmp = Path(tmp_path)
        self.content = self.tmp / "content"
        (self.content / "films").mkdir(parents=True)
        self.settings = Settings()
        self.settings.youtube.chunk_size = self.CHUNK
        self.settings.youtube.playlist = playlist
        self.site = SiteModel(settings=self.settings, content_dir=self.content)
        for i in range(films):
            self.add_film(i, video_size)
        self.token = self.tmp / "private" / "youtube-token.json"
        self.write_token(fake.token_info())
        self.builds = 0
        self.sleeps: list[float] = []

    def add_film(self, i: int, size: int) -> Any:
        import random

        from generator.model import Film

        slug = f"film-{i}"
        folder = self.content / "films" / slug
        folder.mkdir(parents=True)
        video = folder / "film.mp4"
        video.write_bytes(random.Random(i).randbytes(size + i))
        cue = f"00:00:00.000 --> 00:00:02.000\nA machine sees film {i}: café — “quoted”\n"
        film = Film(slug=slug, title=f"Film {i}: a <machine> reads", source=folder / "index.md", video=video,
                    date=f"2024-01-0{i + 1}", summary=f"Summary of *film {i}*.",
                    essay_text=f"## Essay {i}\n\nThe [archive](https://example.org/a) speaks.\n\n"
                               "> quoted <b>bold</b>\n",
                    tags=["documentary", f"film {i}"])
        if i % 2 == 0:
            film.vtt = "WEBVTT\n\n" + cue.replace(",", ".")
            film.srt = "1\n" + cue.replace(".", ",")
        else:  # only SubRip: the SRT track must be sent
            film.srt = "1\n" + cue.replace(".", ",")
        self.site.films.append(film)
        return film

    def film(self, slug: str) -> Any:
        return next(f for f in self.site.films if f.slug == slug)

    def write_token(self, info: dict[str, Any]) -> None:
        import os

        self.token.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.token, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(info, fh)

    def args(self, **overrides: Any) -> Any:
        import argparse

        values = dict(content=self.content, out=self.tmp / "_site", quiet=False, dry_run=False, only=None,
                      youtube_token=self.token, client_secret=None, youtube_api_root=self.fake.root,
                      max_retries=None, replace_changed_video=False, reupload_missing=False, no_browser=True)
        values.update(overrides)
        return argparse.Namespace(**values)

    def build(self) -> Any:
        from types import SimpleNamespace

        self.builds += 1
        return SimpleNamespace(site=self.site)

    def publish(self, login: Any = None, **overrides: Any) -> PublishRun:
        import io

        from generator.errors import ElectricSpeechError
        from generator.publish.command import run_publish

        out, err = io.StringIO(), io.StringIO()
        try:
            rc = run_publish(self.args(**overrides), self.build, out=out, err=err, sleep=self.sleeps.append,
                             login=login)
            return PublishRun(rc, out.getvalue(), err.getvalue())
        except ElectricSpeechError as exc:
            return PublishRun(1, out.getvalue(), err.getvalue(), exc)

    def ledger(self) -> dict[str, Any]:
        return json.loads((self.content / ".publish" / "youtube.json").read_text("utf-8"))

    def video_id(self, slug: str) -> str:
        return str(self.ledger()["films"][slug]["video_id"])


if __name__ == "__main__":  # manual poking: python tests/fake_youtube.py
    with FakeYouTube() as yt:
        print("fake YouTube at", yt.root, "token:", json.dumps(yt.token_info()))
        while True:
            time.sleep(3600)
