"""What a publish run will do, worked out from the ledger and the files alone (no network).

The same plan drives ``--dry-run`` (printed with its quota cost) and the real run (executed step by
step), so a dry run shows exactly what the real run would send. The one fact from YouTube a plan
uses is which of the ledger's videos no longer exist there: a real run asks (``videos.list``, see
``command.py``) before planning and passes the answer in; a dry run sends nothing, so it plans
without it and lists the check with its cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..cache import hash_file
from ..config import Settings
from ..model import Film
from .disclosure import status_words
from .ledger import FilmRecord, Ledger
from .metadata import CaptionPayload, caption_payload, digest, video_snippet, video_status
from .quota import UPLOAD_METHOD, QuotaTally, list_calls

# action kinds, in the order they run for a film
UPLOAD = "insert video"
RESUME = "resume upload"
UPDATE_META = "update metadata"
INSERT_CAPTIONS = "insert captions"
UPDATE_CAPTIONS = "update captions"
ADD_TO_PLAYLIST = "add to playlist"
CHECK = "check videos"  # before the films: are the ledger's videos still on YouTube?


@dataclass
class Action:
    kind: str
    detail: str
    calls: list[str]  # API methods it will call
    maybe: list[str] = field(default_factory=list)  # calls it makes only in some cases (lookups)


@dataclass
class FilmPlan:
    film: Film
    video_sha256: str
    video_size: int
    snippet: dict
    status: dict
    captions: CaptionPayload | None
    actions: list[Action] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # things the user should know (not errors)
    missing_id: str = ""  # the ledger's video for this film, which is no longer on YouTube
    video: Path | None = None  # the file to upload (see upload_file); None: the footage

    @property
    def video_path(self) -> Path:
        return self.video or self.film.video

    @property
    def snippet_sha256(self) -> str:
        return digest(self.snippet)

    @property
    def status_sha256(self) -> str:
        return digest(self.status)

    @property
    def synthetic(self) -> bool:
        return bool(self.status["containsSyntheticMedia"])

    def stale_parts(self, rec: FilmRecord) -> list[str]:
        """The parts of the published video that differ from what the ledger says was sent ("snippet",
        "status"). A ledger that does not know whether the video was declared synthetic (one from before
        the flag was sent) has it sent: videos published earlier are told too."""
        parts = []
        if self.snippet_sha256 != rec.snippet_sha256:
            parts.append("snippet")
        if self.status_sha256 != rec.status_sha256 or rec.synthetic_media is not self.synthetic:
            parts.append("status")
        return parts


@dataclass
class PublishPlan:
    films: list[FilmPlan]
    playlist_title: str
    playlist: Action | None  # finding or creating the playlist, when a film needs it and it is unknown
    check: Action | None = None  # asking whether the published videos still exist (see check_action)

    @property
    def empty(self) -> bool:
        return not any(fp.actions for fp in self.films)

    @property
    def missing(self) -> list[tuple[str, str]]:
        """(slug, old video id) of the films deleted on YouTube that this run leaves alone."""
        return [(fp.film.slug, fp.missing_id) for fp in self.films if fp.missing_id and not fp.actions]

    def tally(self) -> tuple[QuotaTally, QuotaTally]:
        """(calls certainly made, calls made only if lookups are needed)."""
        sure, maybe = QuotaTally(), QuotaTally()
        actions = [a for fp in self.films for a in fp.actions]
        actions += [a for a in (self.playlist, self.check) if a is not None]
        for a in actions:
            for m in a.calls:
                sure.add(m)
            for m in a.maybe:
                maybe.add(m)
        return sure, maybe


def video_sha256(path: Path, ledger: Ledger) -> tuple[str, int]:
    """sha256 and size of a video, remembered in the ledger by (size, mtime) to skip rehashing."""
    st = path.stat()
    try:  # relative to the site folder, so the ledger survives moving the folder
        key = path.resolve().relative_to(ledger.path.parent.parent.resolve()).as_posix()
    except ValueError:
        key = str(path.resolve())
    memo = ledger.hashes.get(key)
    if memo and memo[0] == st.st_size and memo[1] == st.st_mtime_ns:
        return str(memo[2]), st.st_size
    sha = hash_file(path)
    ledger.hashes[key] = [st.st_size, st.st_mtime_ns, sha]
    return sha, st.st_size


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.0f} kB"


def published_ids(films: list[Film], ledger: Ledger) -> dict[str, str]:
    """slug -> the ledger's video id, for the films of this run that have one."""
    recs = {f.slug: ledger.films.get(f.slug) for f in films}
    return {slug: rec.video_id for slug, rec in recs.items() if rec is not None and rec.video_id}


def check_action(ids: int, missing: dict[str, str] | None) -> Action | None:
    """The videos.list calls that ask whether ``ids`` published videos still exist (None: there are
    none). ``missing`` is what they found, or None when they were not sent (a dry run)."""
    if not ids:
        return None
    what = f"{ids} published video{'s' if ids != 1 else ''}"
    if missing is None:
        detail = f"{what}: still on YouTube? (skipped in a dry run; publish asks before anything else)"
    elif missing:
        detail = f"{what}: {len(missing)} no longer on YouTube"
    else:
        detail = f"{what}: all still on YouTube"
    return Action(CHECK, detail, ["videos.list"] * list_calls(ids))


def upload_file(film: Film, settings: Settings) -> tuple[Path, str]:
    """The file ``[youtube] upload`` asks for, and a note when it cannot be had: "original" is the footage
    itself (its best quality); "described" the described rendition (the narration mixed in), made by the
    narration stage for narrated films, and the footage for the others."""
    if settings.youtube.upload != "described":
        return film.video, ""
    described = film.narration.described if film.narration is not None else None
    if described is None or not described.is_file():
        why = "it is not narrated" if film.narration is None else "[narration] described is off"
        return film.video, f"no described rendition ({why}): uploading the footage"
    return described, ""


def plan_film(film: Film, rec: FilmRecord, ledger: Ledger, settings: Settings, *,
              playlist_known: bool, replace_changed_video: bool, missing_id: str = "",
              reupload_missing: bool = False) -> FilmPlan:
    video, note = upload_file(film, settings)
    sha, size = video_sha256(video, ledger)
    fp = FilmPlan(film, sha, size, video_snippet(film, settings), video_status(film, settings),
                  caption_payload(film, settings), missing_id=missing_id, video=video)
    playlist = settings.youtube.playlist.strip()
    if missing_id and not reupload_missing:
        # nothing else: updating the metadata or captions of a deleted video can only fail
        fp.notes.append(f"video {missing_id} is no longer on YouTube (deleted there); "
                        "run publish --reupload-missing to upload the film and its captions again")
        return fp
    changed_video = bool(rec.video_id) and rec.video_sha256 not in ("", sha)
    new_video = not rec.video_id or bool(missing_id) or (changed_video and replace_changed_video)

    if new_video:
        name = film.video.name if video == film.video else f"{film.slug}-described.mp4"
        if note:  # said when it matters: when a file is about to be uploaded
            fp.notes.append(note)
        if missing_id:
            fp.notes.append(f"video {missing_id} is no longer on YouTube: uploading the film again "
                            "(--reupload-missing)")
        elif rec.video_id:
            fp.notes.append(f"the video file changed: uploading it as a new video; the old one "
                            f"({rec.video_id}) stays on YouTube until you delete it")
        if rec.upload and rec.upload.session_uri and rec.upload.video_sha256 == sha:
            fp.actions.append(Action(RESUME, f"{name} ({_mb(size)}) from the byte YouTube acknowledged", [],
                                     maybe=["channels.list", "playlistItems.list", UPLOAD_METHOD]))
        else:
            maybe = ["channels.list", "playlistItems.list"] if rec.upload and rec.upload.session_uri else []
            fp.actions.append(Action(UPLOAD, f"{name} ({_mb(size)}), {status_words(fp.status)}",
                                     [UPLOAD_METHOD], maybe=maybe))
        if fp.captions:
            fp.actions.append(Action(INSERT_CAPTIONS, _caption_detail(fp.captions), ["captions.insert"]))
        if playlist:
            fp.actions.append(Action(ADD_TO_PLAYLIST, f'"{playlist}"', ["playlistItems.insert"]))
        return fp

    if changed_video:
        fp.notes.append(f"the video file changed since it was uploaded as {rec.video_id}; YouTube cannot replace "
                        "a video's file, so it is left as it is (pass --replace-changed-video to upload the new "
                        "file as a new video)")
    parts = fp.stale_parts(rec)
    if parts:
        said = {"snippet": "title/description/tags", "status": f"status ({status_words(fp.status)})"}
        fp.actions.append(Action(UPDATE_META, " and ".join(said[p] for p in parts), ["videos.update"]))
    if fp.captions:
        pending = "captions.insert" in rec.pending
        if not rec.caption_id:
            fp.actions.append(Action(INSERT_CAPTIONS, _caption_detail(fp.captions), ["captions.insert"],
                                     maybe=["captions.list"] if pending else []))
        elif rec.captions_sha256 != fp.captions.sha256:
            if changed_video:
                fp.notes.append("captions changed but are not sent: they are timed for the new video file")
            else:
                fp.actions.append(Action(UPDATE_CAPTIONS, _caption_detail(fp.captions), ["captions.update"]))
    if playlist and not (playlist_known and rec.playlist_item_id and rec.playlist_id == ledger.playlist.id):
        pending = "playlistItems.insert" in rec.pending
        fp.actions.append(Action(ADD_TO_PLAYLIST, f'"{playlist}"', ["playlistItems.insert"],
                                 maybe=["playlistItems.list"] if pending else []))
    return fp


def _caption_detail(c: CaptionPayload) -> str:
    return f'"{c.name}" ({c.format.upper()}, {c.language}, {len(c.data)} bytes)'


def make_plan(films: list[Film], ledger: Ledger, settings: Settings, *, replace_changed_video: bool = False,
              missing: dict[str, str] | None = None, reupload_missing: bool = False) -> PublishPlan:
    """``missing``: slug -> video id of the ledger's videos that YouTube no longer has, as the check
    found them; None when the check was not made (a dry run)."""
    title = settings.youtube.playlist.strip()
    known = bool(title) and ledger.playlist.title == title and bool(ledger.playlist.id)
    gone = missing or {}
    plans = [plan_film(f, ledger.films.get(f.slug) or FilmRecord(), ledger, settings, playlist_known=known,
                       replace_changed_video=replace_changed_video, missing_id=gone.get(f.slug, ""),
                       reupload_missing=reupload_missing) for f in films]
    needs_playlist = any(a.kind == ADD_TO_PLAYLIST for fp in plans for a in fp.actions)
    playlist_action = None
    if title and needs_playlist and not known:
        playlist_action = Action("find or create playlist", f'"{title}"', ["playlists.list"],
                                 maybe=["playlists.insert"])
    check = check_action(len(published_ids(films, ledger)), missing)
    return PublishPlan(plans, title, playlist_action, check)
