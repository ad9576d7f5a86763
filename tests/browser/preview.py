"""Build a richer preview site (no pipeline, no models) and screenshot it, to look at the design.

    .venv/bin/python tests/browser/preview.py [OUT_DIR]

Films are slideshows of the sample photographs scikit-image ships (Ken Burns pans by ffmpeg), plus a
test card; the captions are hand-written stand-ins for the machine's. Screenshots (desktop 1366x900,
mobile 390x844) of the front page, a film page while playing, a page and the archive go to
OUT_DIR/shots/. Not a test: nothing here is asserted.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from browser.site_fixtures import make_clip, write_tree  # noqa: E402

from generator.captions.formats import to_srt, to_vtt  # noqa: E402
from generator.config import Settings  # noqa: E402
from generator.model import ArchiveItem, Cue, Film, Keyframe, Page, SiteModel, VideoInfo  # noqa: E402
from generator.site.render import render_site  # noqa: E402

SECONDS_PER_IMAGE = 6

FILMS = [
    ("harbour-of-stars", "A Harbour of Stars", "1969-07-20",
     "Rockets, a moon and a field of galaxies: the space age as a machine reads it, one frame at a time.",
     [("rocket.jpg", "a rocket standing on a launch pad under a clear blue sky"),
      ("astronaut.png", "a woman in a white space suit smiling in front of a flag"),
      ("moon.png", "a grey surface covered with craters and small stones"),
      ("hubble_deep_field.jpg", "many small bright lights scattered across a black sky"),
      ("rocket.jpg", "smoke rising around the base of a tall white tower")]),
    ("the-cat-and-the-cup", "The Cat and the Cup", "2023-11-02",
     "A domestic afternoon. The machine finds a cat, a cup of coffee and a photographer, and is sure of none.",
     [("chelsea.png", "an orange cat with green eyes looking to the left"),
      ("coffee.png", "a cup of coffee on a saucer with a spoon"),
      ("camera.png", "a black and white photo of a man holding a camera"),
      ("horse.png", "something like a horse, drawn in black on white"),
      ("coins.png", "a group of old coins laid out on a dark table")]),
]

ESSAY = """
<p>Every film on this site is watched twice. Once by you, and once, before you, by a neural network that
was never told what a film is. It was shown a keyframe — one still picture at each change of shot, or
every few seconds when nothing changes — and asked to say what it saw.</p>
<p>What comes back is not a transcript of speech but a <em>description</em>: a sentence that is often
right, sometimes strangely confident, and occasionally wrong in a way that tells you something about the
pictures the machine learned from. We keep those sentences exactly as they were written, and show them as
subtitles.</p>
<blockquote><p>The subtitles describe what the machine saw, not what anyone said.</p></blockquote>
<h2 id="reading-the-captions">Reading the captions</h2>
<p>Follow the transcript beside the film: the caption being shown is marked, and any line takes you to its
moment. Search it for a word — <q>cat</q>, <q>sky</q>, <q>something like</q> — and you will see where the
machine hesitated.</p>
"""


def slideshow(images: list[Path], out: Path) -> Path:
    """A 1280x720 H.264 film: each image held SECONDS_PER_IMAGE s with a slow zoom."""
    if out.exists():  # reruns only restyle: keep the media
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    frames = SECONDS_PER_IMAGE * 25
    segments = []
    for i, img in enumerate(images):  # one segment per photograph, then a lossless concat
        seg = out.with_name(f"{out.stem}.part{i}.mp4")
        zoom = (f"scale=1600:900:force_original_aspect_ratio=increase,crop=1600:900,format=yuv420p,"
                f"zoompan=z='min(zoom+0.0009,1.2)':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d={frames}"
                f":s=1280x720:fps=25")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(img), "-vf", zoom, "-frames:v", str(frames),
                        "-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-pix_fmt", "yuv420p",
                        "-g", "50", str(seg)], check=True)
        segments.append(seg)
    listing = out.with_suffix(".txt")
    listing.write_text("".join(f"file '{seg.name}'\n" for seg in segments))
    tmp = out.with_name(out.stem + ".tmp.mp4")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy",
                    "-movflags", "+faststart", str(tmp)], check=True)
    tmp.rename(out)
    return out


def grab(video: Path, t: float, out: Path, width: int = 640) -> Path:
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", f"{t:.3f}", "-i", str(video), "-frames:v", "1",
                    "-vf", f"scale={width}:-2", "-q:v", "4", str(out)], check=True)
    return out


def build_film(tmp: Path, slug: str, title: str, date: str, summary: str,
               shots: list[tuple[str, str]], data: Path) -> Film:
    video = slideshow([data / name for name, _ in shots], tmp / "media" / f"{slug}.mp4")
    cues, keyframes = [], []
    for i, (_, text) in enumerate(shots):
        for half in (0, 1):  # two keyframes per shot: the captioner speaks twice per image
            n = len(keyframes)
            t = i * SECONDS_PER_IMAGE + half * SECONDS_PER_IMAGE / 2
            keyframes.append(Keyframe(n, t, grab(video, t + 0.2, tmp / "kf" / slug / f"{n}.jpg"), scene_cut=half == 0))
            words = text if half == 0 else text.split(" ", 1)[1].capitalize() if " " in text else text
            cues.append(Cue(n + 1, t, t + SECONDS_PER_IMAGE / 2, (words,)))
    duration = len(shots) * SECONDS_PER_IMAGE
    info = VideoInfo(duration=duration, fps=25.0, variable_frame_rate=False, width=1280, height=720, rotation=0,
                     codec="h264", has_audio=False, start_time=0.0)
    return Film(slug=slug, title=title, source=tmp / f"{slug}.md", video=video, date=date, summary=summary,
                essay_html=ESSAY, info=info, keyframes=keyframes, captions=[c.text for c in cues], cues=cues,
                vtt=to_vtt(cues), srt=to_srt(cues))


def build_site(tmp: Path) -> SiteModel:
    import skimage
    from PIL import Image

    data = Path(skimage.__file__).parent / "data"
    films = [build_film(tmp, *spec, data=data) for spec in FILMS]
    card = tmp / "media" / "test-card.mp4"
    if not card.exists():
        make_clip(card, seconds=12, size="1280x720")
    tc_cues = [Cue(i + 1, i * 3.0, i * 3.0 + 3.0, (t,)) for i, t in enumerate(
        ["a colourful test card with a clock", "a television screen showing a test pattern",
         "a close up of a colourful striped wall", "something like a clock on a computer screen"])]
    tc_kf = [Keyframe(i, c.start, grab(card, c.start + 0.5, tmp / "kf" / "test-card" / f"{i}.jpg"), i == 0)
             for i, c in enumerate(tc_cues)]
    films.append(Film(slug="test-card", title="Test Card", source=tmp / "tc.md", video=card, date="2024-05-01",
                      summary="Twelve seconds of colour bars and a clock, which the machine takes for a television.",
                      essay_html="<p>A calibration film.</p>",
                      info=VideoInfo(12.0, 25.0, False, 1280, 720, 0, "h264", False, 0.0), keyframes=tc_kf,
                      cues=tc_cues, vtt=to_vtt(tc_cues), srt=to_srt(tc_cues)))

    archive = []
    meta = {
        "astronaut.png": ("Astronaut portrait", "1984", "Houston"),
        "chelsea.png": ("Chelsea the cat", "2009", "Bristol"),
        "coffee.png": ("Cup of coffee", "2012", "Rochester"),
        "rocket.jpg": ("Rocket on the pad", "1969", "Cape Canaveral"),
        "camera.png": ("The cameraman", "1978", "Cambridge, Massachusetts"),
        "hubble_deep_field.jpg": ("Hubble deep field", "1995", "Low Earth orbit"),
        "horse.png": ("Horse silhouette", "", ""),
        "moon.png": ("Lunar surface", "1969", "Sea of Tranquillity"),
        "coins.png": ("Greek coins", "1898", "Pompeii"),
        "motorcycle_left.png": ("Motorcycle, left view", "2014", ""),
        "retina.jpg": ("Human retina", "", "Manchester"),
        "page.png": ("A printed page", "1920", ""),
    }
    for name, (title, year, place) in meta.items():
        src = data / name
        dest = tmp / "archive" / (Path(name).stem + ".jpg")
        dest.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(src) as im:
            im.convert("RGB").save(dest, quality=85)
            w, h = im.size
        metadata = {k: v for k, v in (("title", title), ("year", year), ("place", place)) if v}
        archive.append(ArchiveItem(id=dest.name, path=dest, width=w, height=h, format="JPEG", metadata=metadata))

    settings = Settings()
    settings.site.title = "Electric Speech"
    settings.site.description = ("Films from a small archive, subtitled by a machine that was asked "
                                 "to say what it sees.")
    settings.site.author = "The Museum of Moving Pictures"
    pages = [
        Page("about", "About the project", tmp / "about.md", body_html=ESSAY,
             meta={"summary": "Why a museum lets a neural network write its subtitles."}),
        Page("method", "Method", tmp / "method.md", body_html="<p>Keyframes, captions, cues.</p>",
             meta={"summary": "How the films were read: keyframes, captions and cues."}),
    ]
    return SiteModel(settings=settings, content_dir=tmp, films=films, pages=pages, archive=archive,
                     archive_columns=["title", "year", "place"], map_url="map/")


def screenshots(site_dir: Path, shots: Path) -> None:
    import functools
    import http.server

    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import CHROMIUM, CHROMIUM_ARGS, RangeRequestHandler

    handler = functools.partial(RangeRequestHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for label, viewport, mobile in (("desktop", {"width": 1366, "height": 900}, False),
                                        ("mobile", {"width": 390, "height": 844}, True)):
            ctx = browser.new_context(viewport=viewport, is_mobile=mobile, has_touch=mobile,
                                      device_scale_factor=2 if mobile else 1)
            page = ctx.new_page()
            for name, path in (("index", ""), ("page", "about/"), ("archive", "archive/")):
                page.goto(url + path)
                # walk down the page so lazy images load before the full-page picture
                page.evaluate("async () => { for (let y = 0; y < document.body.scrollHeight; y += 400) {"
                              " window.scrollTo(0, y); await new Promise(r => setTimeout(r, 50)); }"
                              " window.scrollTo(0, 0); }")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(shots / f"{label}-{name}.png"), full_page=True)
            page.goto(url + "films/harbour-of-stars/")
            page.wait_for_function("document.querySelector('video').readyState >= 2")
            page.evaluate("v => { const x = document.querySelector('video'); x.muted = true; x.currentTime = 19.6; "
                          "return x.play(); }", None)
            time.sleep(1.5)
            page.screenshot(path=str(shots / f"{label}-film.png"))
            page.screenshot(path=str(shots / f"{label}-film-full.png"), full_page=True)
            ctx.close()
        browser.close()
    server.shutdown()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/es-preview").resolve()
    site = build_site(out / "src")
    site_dir = out / "_site"
    import shutil

    shutil.rmtree(site_dir, ignore_errors=True)
    write_tree(render_site(site), site_dir)
    screenshots(site_dir, out / "shots")
    print(f"site: {site_dir}\nshots: {out / 'shots'}")


if __name__ == "__main__":
    main()
