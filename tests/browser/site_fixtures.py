"""Small hand-made site models for the render, golden and browser tests: no pipeline, no models.

Media are synthetic: a clip from ffmpeg's lavfi test sources, keyframe thumbnails drawn with Pillow.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from generator.captions.formats import to_srt, to_vtt
from generator.config import Settings
from generator.model import ArchiveItem, Cue, Film, Keyframe, Page, SiteModel, StreamInfo, VideoInfo
from generator.site.output import OutputTree

HOSTILE = "<script>alert(1)</script> \"&'"

# (start, end, text): a gap between the third and the fourth cue, so "no cue" is a state too
CUE_TEXT = [
    (0.0, 2.5, "a colourful test card with a clock in the middle"),
    (2.5, 5.0, "a bright gradient sweeps across the frame"),
    (5.0, 7.0, "numbers counting on a grey screen"),
    (7.5, 10.0, "the same test card, seen once more"),
]


def make_clip(path: Path, seconds: float = 10, size: str = "320x240", rate: int = 25,
              source: str = "testsrc2") -> Path:
    """An H.264/yuv420p MP4 with the moov atom first (Debian's Chromium plays it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"{source}=size={size}:rate={rate}",
         "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
         "-g", str(rate), "-movflags", "+faststart", str(path)],
        check=True,
    )
    return path


def make_image(path: Path, size: tuple[int, int], colour: tuple[int, int, int]) -> Path:
    from PIL import Image, ImageDraw

    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(im)
    w, h = size
    draw.rectangle([w // 8, h // 6, w * 7 // 8, h * 5 // 6], outline=(255, 255, 255), width=max(1, w // 80))
    draw.ellipse([w // 3, h // 3, w * 2 // 3, h * 2 // 3], fill=tuple(255 - c for c in colour))
    im.save(path, quality=85)
    return path


def make_cues(texts: list[tuple[float, float, str]] = CUE_TEXT) -> list[Cue]:
    return [Cue(i, start, end, (text,)) for i, (start, end, text) in enumerate(texts, start=1)]


def make_film(tmp: Path, *, slug: str = "test-card", title: str = "Test Card", video: Path | None = None,
              texts: list[tuple[float, float, str]] = CUE_TEXT, essay_html: str = "", summary: str = "",
              youtube_id: str = "", duration: float = 10.0) -> Film:
    """A film whose keyframes sit at each cue's start (one caption per keyframe)."""
    if video is None:
        video = tmp / "media" / f"{slug}.mp4"
        video.parent.mkdir(parents=True, exist_ok=True)
        video.write_bytes(b"not really a video")  # render only copies it
    colours = [(170, 60, 40), (40, 90, 160), (60, 130, 80), (190, 150, 50), (90, 60, 140)]
    cues = make_cues(texts)
    keyframes = [
        Keyframe(i, cue.start, make_image(tmp / "frames" / slug / f"{i}.jpg", (320, 240), colours[i % len(colours)]),
                 scene_cut=i % 2 == 0)
        for i, cue in enumerate(cues)
    ]
    info = VideoInfo(duration=duration, fps=25.0, variable_frame_rate=False, width=320, height=240, rotation=0,
                     codec="h264", has_audio=False, start_time=0.0,
                     streams=(StreamInfo(0, "video", "h264"),))
    return Film(
        slug=slug, title=title, source=tmp / "content" / "films" / slug / "index.md", video=video,
        date="2024-05-01", summary=summary or "A short film made of test patterns, watched by a machine.",
        essay_html=essay_html or "<p>An <em>essay</em> about test cards.</p>",
        info=info, keyframes=keyframes, captions=[c.text for c in cues], cues=cues,
        vtt=to_vtt(cues), srt=to_srt(cues), youtube_id=youtube_id,
    )


def make_site(tmp: Path, *, films: list[Film] | None = None, hostile: bool = False,
              settings: Settings | None = None, map_url: str = "", search_url: str = "") -> SiteModel:
    """A site with one film, one page and a two-image archive. ``hostile`` puts markup-like text into
    every field a visitor sees, to prove it is escaped."""
    settings = settings or Settings()
    settings.site.title = "Electric Speech"
    settings.site.description = "Films with subtitles written by a machine."
    bad = HOSTILE if hostile else ""
    if films is None:
        texts = [(s, e, t + (" " + bad if hostile else "")) for s, e, t in CUE_TEXT]
        films = [make_film(tmp, title="Test Card" + (" " + bad if hostile else ""), texts=texts,
                           summary="Patterns, watched." + (" " + bad if hostile else ""),
                           essay_html='<p>Curator <strong class="raw">HTML</strong> stays.</p>')]
    page = Page(slug="about", title="About" + (" " + bad if hostile else ""),
                source=tmp / "content" / "pages" / "about.md",
                body_html='<h2 id="why">Why</h2><p>Because <a href="https://example.org/">machines</a> speak.</p>',
                meta={"summary": "What this is." + (" " + bad if hostile else "")})
    archive = [
        ArchiveItem(id="photos/harbour 1.jpg",
                    path=make_image(tmp / "archive" / "photos" / "harbour 1.jpg", (300, 200), (30, 70, 110)),
                    width=300, height=200, format="JPEG",
                    metadata={"title": "Harbour" + (" " + bad if hostile else ""), "year": "1931",
                              "place": "Ostend" + (" " + bad if hostile else "")}),
        ArchiveItem(id="field.jpg", path=make_image(tmp / "archive" / "field.jpg", (200, 260), (120, 140, 60)),
                    width=200, height=260, format="JPEG", metadata={"year": "1950"}),
    ]
    site = SiteModel(settings=settings, content_dir=tmp / "content", films=films, pages=[page], archive=archive,
                     archive_columns=["title", "year", "place"], map_url=map_url or "")
    if search_url:  # as the search feature gives it when its prepare() says yes
        from generator.search.page import render_search

        site.search_url = search_url
        site.page_makers.append(render_search)
    return site


def write_tree(out: OutputTree, dest: Path) -> Path:
    """Write an output tree to a folder (the tests' stand-in for the atomic writer)."""
    for rel, content in out.files.items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, target)
        else:
            target.write_bytes(content)
    return dest


def write_colour_map(content: Path, tmp: Path, settings: Settings) -> Path:
    """Run the real map stage on ``content``'s archive with the colour-histogram embedder of ``synth`` and
    write the map with the site's assets into ``tmp / "_site"`` (returned)."""
    from generator.archive.embed import register_embedder
    from generator.archive.scan import scan_archive
    from generator.cache import Cache
    from generator.reporter import Reporter
    from generator.site.render import add_assets
    from generator.stages.map import build_map

    register_embedder("colour", "synth:ColourEmbedder")
    settings.map.embedder = "colour"
    reporter = Reporter(quiet=True)
    site = SiteModel(settings=settings, content_dir=content)
    site.archive, site.archive_columns = scan_archive(content, reporter)
    out = OutputTree()
    add_assets(out)
    out.merge(build_map(site, Cache(tmp / "cache"), reporter))
    return write_tree(out, tmp / "_site")
