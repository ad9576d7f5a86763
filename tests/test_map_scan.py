"""archive/ scanning and metadata.csv: bad encodings, missing columns, unknown files, hostile strings."""

from __future__ import annotations

from pathlib import Path

from generator.archive.scan import scan_archive
from generator.reporter import Reporter


def _archive(tmp_path: Path, names: list[str], csv_bytes: bytes | None) -> Path:
    root = tmp_path / "archive"
    root.mkdir()
    for n in names:
        (root / n).parent.mkdir(parents=True, exist_ok=True)
        (root / n).write_bytes(b"not decoded by the scan")
    if csv_bytes is not None:
        (root / "metadata.csv").write_bytes(csv_bytes)
    return tmp_path


def test_scan_lists_images_and_attaches_metadata(tmp_path):
    site = _archive(tmp_path, ["a.jpg", "sub/b.png", ".hidden/c.jpg", "notes.txt"],
                    b"file,title,date\na.jpg,First,1901\nsub/b.png,Second,\n")
    r = Reporter(quiet=True)
    items, columns = scan_archive(site, r)
    assert [i.id for i in items] == ["a.jpg", "sub/b.png"]
    assert columns == ["title", "date"]
    assert items[0].metadata == {"title": "First", "date": "1901"}
    assert items[1].metadata == {"title": "Second"}
    assert r.warnings == []


def test_missing_file_column_warns_and_keeps_images(tmp_path):
    site = _archive(tmp_path, ["a.jpg"], b"name,title\na.jpg,First\n")
    r = Reporter(quiet=True)
    items, columns = scan_archive(site, r)
    assert len(items) == 1 and items[0].metadata == {} and columns == []
    assert len(r.warnings) == 1 and "metadata.csv" in r.warnings[0] and "`file`" in r.warnings[0]


def test_unknown_files_duplicates_and_empty_rows(tmp_path):
    site = _archive(tmp_path, ["a.jpg"], b"file,title\nghost.jpg,Nobody\na.jpg,One\n,\nA.JPG,Again\n")
    r = Reporter(quiet=True)
    items, _ = scan_archive(site, r)
    assert items[0].metadata == {"title": "One"}
    assert any("ghost.jpg" in w and ":2:" in w for w in r.warnings)
    assert any("listed again" in w for w in r.warnings)


def test_bad_encoding_is_read_as_cp1252_with_a_warning(tmp_path):
    site = _archive(tmp_path, ["a.jpg"], "file,title\na.jpg,Café Müller\n".encode("cp1252"))
    r = Reporter(quiet=True)
    items, _ = scan_archive(site, r)
    assert items[0].metadata["title"] == "Café Müller"
    assert any("not UTF-8" in w and "metadata.csv:2" in w for w in r.warnings)


def test_hostile_strings_are_kept_as_given_and_control_characters_dropped(tmp_path):
    hostile = '<script>alert(1)</script> "quoted" \u2028 &amp;'
    text = 'file;title;note\na.jpg;"' + hostile.replace('"', '""') + '";x\x00y\n'
    site = _archive(tmp_path, ["a.jpg"], text.encode("utf-8"))
    items, columns = scan_archive(site, Reporter(quiet=True))
    assert columns == ["title", "note"]
    assert items[0].metadata["title"] == hostile.strip()
    assert items[0].metadata["note"] == "xy"


def test_no_archive_folder(tmp_path):
    assert scan_archive(tmp_path, Reporter(quiet=True)) == ([], [])
