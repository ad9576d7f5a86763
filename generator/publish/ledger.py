"""The publish ledger: what is on YouTube, so a rerun sends only what changed.

It lives in the site folder (``<content>/.publish/youtube.json``), not in the cache: deleting the
cache must never make the next publish upload every film again. It is rewritten atomically (temporary
file, fsync, rename) after every API call that changes something on YouTube, so an interrupted run
leaves a ledger that is true up to the last completed call.

Per film it records the video id, the caption track id, the playlist item id and the sha256 of what
was sent for each (video bytes, caption bytes, snippet, status), and whether the video was last declared
altered or synthetic (``synthetic_media``; None in ledgers from before it was sent, which makes the next run
send it). Steps that create something are
first marked *pending*: if the process dies after YouTube created the thing but before the ledger
learned its id, the next run looks for it (by caption name, by playlist + video) before creating it
again. A video upload in progress keeps its resumable session URI here until it completes, or until
a run gives the session up (its host stopped answering); see ``uploader.py`` for how that avoids
duplicate videos. A video deleted on YouTube stays here until ``--reupload-missing`` uploads the film
again; its id then moves to ``replaced``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..cache import atomic_write_json
from ..errors import PublishError

LEDGER_VERSION = 1


def ledger_path(content_dir: Path) -> Path:
    return Path(content_dir) / ".publish" / "youtube.json"


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class UploadSession:
    """A resumable upload that was started and has not been confirmed complete."""

    started: str  # UTC, ISO 8601
    video_sha256: str
    size: int
    title: str
    session_uri: str = ""  # empty until YouTube answered the initiation request
    snippet_sha256: str = ""  # of the metadata sent with the initiation request
    status_sha256: str = ""


@dataclass
class FilmRecord:
    video_id: str = ""
    video_sha256: str = ""  # of the file that was uploaded
    snippet_sha256: str = ""  # of the snippet (title, description, tags, language, category) last sent
    status_sha256: str = ""  # of the status (privacy, containsSyntheticMedia) last sent
    synthetic_media: bool | None = None  # status.containsSyntheticMedia last sent; None: never sent (or not known)
    caption_id: str = ""
    captions_sha256: str = ""
    caption_name: str = ""
    playlist_id: str = ""
    playlist_item_id: str = ""
    upload: UploadSession | None = None
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)  # step -> what it was sending
    replaced: list[str] = field(default_factory=list)  # ids of earlier uploads of this film
    published: str = ""  # UTC time of the upload
    updated: str = ""  # UTC time of the last change

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FilmRecord:
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        upload = kwargs.get("upload")
        kwargs["upload"] = UploadSession(**upload) if isinstance(upload, dict) else None
        return cls(**kwargs)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def forget_video(self) -> None:
        """The video was replaced or deleted on YouTube: keep its id in ``replaced``, and forget its
        caption track and playlist entry, which belonged to it (they go when the video goes)."""
        if self.video_id:
            self.replaced.append(self.video_id)
        self.video_id = ""
        self.caption_id = self.captions_sha256 = self.caption_name = ""
        self.playlist_id = self.playlist_item_id = ""
        self.pending.clear()


@dataclass
class PlaylistRecord:
    title: str = ""
    id: str = ""
    pending: bool = False  # playlists.insert was sent and its answer not recorded


class Ledger:
    """Load, change, save. ``save()`` after each step; the file is never half-written."""

    def __init__(self, path: Path, films: dict[str, FilmRecord] | None = None,
                 playlist: PlaylistRecord | None = None, hashes: dict[str, list[Any]] | None = None) -> None:
        self.path = path
        self.films: dict[str, FilmRecord] = films or {}
        self.playlist = playlist or PlaylistRecord()
        self.hashes: dict[str, list[Any]] = hashes or {}  # path -> [size, mtime_ns, sha256]: skips rehashing

    @classmethod
    def load(cls, content_dir: Path) -> Ledger:
        path = ledger_path(content_dir)
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError:
            return cls(path)
        except OSError as exc:
            raise PublishError(f"cannot read the publish ledger: {exc.strerror}", path) from None
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not an object")
            version = data.get("version", LEDGER_VERSION)
            if version > LEDGER_VERSION:
                raise PublishError(f"ledger version {version} is newer than this program understands", path)
            films = {str(slug): FilmRecord.from_json(rec) for slug, rec in (data.get("films") or {}).items()}
            playlist = PlaylistRecord(**(data.get("playlist") or {}))
            hashes = data.get("hashes") or {}
        except PublishError:
            raise
        except (ValueError, TypeError, AttributeError) as exc:
            # Never start from an empty ledger silently: it would upload every film again.
            raise PublishError(f"the publish ledger is damaged ({exc}); fix or remove it "
                               "(removing it makes the next publish upload every film again)", path) from None
        return cls(path, films, playlist, hashes)

    def film(self, slug: str) -> FilmRecord:
        return self.films.setdefault(slug, FilmRecord())

    def to_json(self) -> dict[str, Any]:
        return {
            "version": LEDGER_VERSION,
            "films": {slug: rec.to_json() for slug, rec in sorted(self.films.items())},
            "playlist": asdict(self.playlist),
            "hashes": self.hashes,
        }

    def save(self) -> None:
        atomic_write_json(self.path, self.to_json(), durable=True)

    def youtube_ids(self) -> dict[str, str]:
        return {slug: rec.video_id for slug, rec in self.films.items() if rec.video_id}


@contextmanager
def publish_lock(content_dir: Path) -> Iterator[None]:
    """One publish at a time per site folder: two runs sharing a ledger would upload twice."""
    path = ledger_path(content_dir).with_name("youtube.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; the ledger still prevents most repeats
        yield
        return
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise PublishError("another publish is running for this site folder", path) from None
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def load_youtube_ids(content_dir: Path) -> dict[str, str]:
    """slug -> YouTube video id of every published film (empty when nothing was published).

    Called by the build so film pages can offer the YouTube player; a damaged ledger raises
    PublishError (the build reports it as a warning)."""
    if not ledger_path(content_dir).exists():
        return {}
    return Ledger.load(content_dir).youtube_ids()
