import pytest

from generator.errors import ContentError
from generator.site.content import read_content, split_front_matter


def film(root, slug, front, body="Essay *here* <aside class='x'>raw</aside>", video=True):
    d = root / "films" / slug
    d.mkdir(parents=True)
    if video:
        (d / "clip.mp4").write_bytes(b"\0")
    (d / "index.md").write_text(f"---\n{front}\n---\n{body}\n", encoding="utf-8")
    return d


def test_reads_films_and_pages_with_markdown(tmp_path):
    film(tmp_path, "clouds", "title: Clouds\nvideo: clip.mp4\ndate: 2026-01-02\nsummary: Sky")
    film(tmp_path, "older", "title: Older\nvideo: clip.mp4\ndate: 2020-01-02")
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "about.md").write_text("---\ntitle: About\n---\n# Hi\n")
    r = read_content(tmp_path)
    assert not r.errors
    assert [f.slug for f in r.films] == ["clouds", "older"]
    f = r.films[0]
    assert f.date == "2026-01-02" and f.summary == "Sky"
    assert "<em>here</em>" in f.essay_html and "<aside class='x'>raw</aside>" in f.essay_html.replace('"', "'")
    assert r.pages[0].slug == "about" and "<h1" in r.pages[0].body_html


def test_drafts_are_left_out(tmp_path):
    film(tmp_path, "wip", "title: W\nvideo: clip.mp4\ndraft: true")
    assert read_content(tmp_path).films == []
    assert len(read_content(tmp_path, include_drafts=True).films) == 1


@pytest.mark.parametrize("front,needle", [
    ("title: [unclosed\nvideo: clip.mp4", "malformed front matter"),
    ("video: clip.mp4", "needs `title:`"),
    ("title: T", "needs `video:`"),
    ("title: T\nvideo: nothere.mp4", "does not exist"),
    ("title: T\nvideo: ../../etc/passwd", "film's own folder"),
    ("title: T\nvideo: clip.mp4\ndraft: maybe", "`draft:` must be true or false"),
])
def test_bad_front_matter_names_file(tmp_path, front, needle):
    film(tmp_path, "bad", front)
    r = read_content(tmp_path)
    assert r.films == [] and len(r.errors) == 1
    msg = r.errors[0].oneline()
    assert needle in msg and "index.md" in msg


def test_unclosed_front_matter(tmp_path):
    with pytest.raises(ContentError, match="no closing"):
        split_front_matter(tmp_path / "x.md", "---\ntitle: x\n")


def test_not_utf8(tmp_path):
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "p.md").write_bytes(b"---\ntitle: \xff\n---\n")
    r = read_content(tmp_path)
    assert "not UTF-8" in r.errors[0].oneline()


def test_reserved_and_bad_slugs(tmp_path):
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "map.md").write_text("---\ntitle: M\n---\n")
    (tmp_path / "pages" / "a b.md").write_text("---\ntitle: M\n---\n")
    msgs = " ".join(e.oneline() for e in read_content(tmp_path).errors)
    assert "reserved" in msgs and "cannot be a URL" in msgs
