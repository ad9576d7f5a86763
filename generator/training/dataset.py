"""What a captioner learns from: images with one or more reference sentences each, and the vocabulary.

Two sources: a COCO-format captions file (``images[id, file_name]``, ``annotations[image_id, caption]``,
the MS-COCO layout Electric Speech's captioner learned from), or the site archive's descriptions (the
``description`` column of ``archive/metadata.csv``, or another one). Every problem is one line that names
the file and what is wrong with it.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ContentError
from ..reporter import Reporter

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)
_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


@dataclass(frozen=True)
class Example:
    image: Path
    captions: tuple[str, ...]


def tokenize(text: str) -> list[str]:
    """Lower-case words (what CIDEr compares, too): punctuation dropped, hyphens and apostrophes kept."""
    return _WORD.findall(text.lower())


def load_coco(path: Path, images_dir: Path | None = None) -> list[Example]:
    """Examples from a COCO-format captions file; image files are looked up in ``images_dir`` (default:
    the file's folder, then its ``images/`` subfolder)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ContentError(f"cannot be read: {exc.strerror}", path) from None
    except ValueError as exc:
        raise ContentError(f"is not valid JSON ({exc})", path) from None
    if not isinstance(data, dict) or not isinstance(data.get("images"), list) \
            or not isinstance(data.get("annotations"), list):
        raise ContentError("is not a COCO captions file: it needs 'images' and 'annotations' lists", path)
    files: dict[object, str] = {}
    for n, im in enumerate(data["images"]):
        if not isinstance(im, dict) or "id" not in im or not isinstance(im.get("file_name"), str):
            raise ContentError(f"images[{n}] needs an 'id' and a 'file_name'", path)
        files[im["id"]] = im["file_name"]
    captions: dict[object, list[str]] = {}
    for n, ann in enumerate(data["annotations"]):
        if not isinstance(ann, dict) or not isinstance(ann.get("caption"), str) or "image_id" not in ann:
            raise ContentError(f"annotations[{n}] needs an 'image_id' and a 'caption'", path)
        if ann["image_id"] not in files:
            raise ContentError(f"annotations[{n}] names image_id {ann['image_id']!r}, which 'images' lacks", path)
        if tokenize(ann["caption"]):
            captions.setdefault(ann["image_id"], []).append(ann["caption"].strip())
    roots = [images_dir] if images_dir else [path.parent, path.parent / "images"]
    out = []
    for image_id, name in files.items():
        if image_id not in captions:
            continue
        found = next((r / name for r in roots if r is not None and (r / name).is_file()), None)
        if found is None:
            raise ContentError(f"image {name!r} (id {image_id!r}) is not in {' or '.join(map(str, roots))}", path)
        out.append(Example(found, tuple(captions[image_id])))
    return out


def from_archive(content_dir: Path, column: str, reporter: Reporter) -> list[Example]:
    """Examples from the archive: each image with its ``column`` text as the one reference."""
    from ..archive.scan import scan_archive

    items, columns = scan_archive(content_dir, reporter)
    metadata = content_dir / "archive" / "metadata.csv"
    if not items:
        raise ContentError("has no archive images to learn from", content_dir / "archive")
    if column not in columns:
        have = ", ".join(columns) or "none"
        raise ContentError(f"has no {column!r} column to learn captions from (columns: {have})", metadata)
    return [Example(item.path, (item.metadata[column].strip(),)) for item in items
            if tokenize(item.metadata.get(column, ""))]


def check_enough(examples: Sequence[Example], where: Path, minimum: int = 10) -> None:
    if len(examples) < minimum:
        raise ContentError(f"has {len(examples)} captioned images; training needs at least {minimum}", where)


def split(examples: Sequence[Example], holdout: float, seed: int) -> tuple[list[Example], list[Example]]:
    """(train, held out), by image and seeded: the same data and seed give the same split."""
    order = sorted(examples, key=lambda e: str(e.image))
    random.Random(seed).shuffle(order)
    n_test = min(len(order) - 1, max(1, round(len(order) * holdout)))
    return order[n_test:], order[:n_test]


class Vocabulary:
    """Words seen at least ``min_count`` times in the training captions, after the four special tokens."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = list(words)
        self.index = {w: i for i, w in enumerate(self.words)}

    @classmethod
    def build(cls, captions: Iterable[str], min_count: int = 1, limit: int = 10_000) -> Vocabulary:
        counts = Counter(w for c in captions for w in tokenize(c))
        common = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
        return cls([*SPECIALS, *common[:limit]])

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        words = path.read_text("utf-8").split("\n")
        if words[:4] != list(SPECIALS):
            raise ContentError(f"is not a vocabulary: it must start with {', '.join(SPECIALS)}", path)
        return cls([w for w in words if w])

    def save_text(self) -> str:
        return "\n".join(self.words) + "\n"

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, caption: str, max_len: int) -> list[int]:
        """<bos> words... <eos>, cut to max_len tokens in all."""
        unk = self.index[UNK]
        ids = [self.index.get(w, unk) for w in tokenize(caption)][: max_len - 2]
        return [self.index[BOS], *ids, self.index[EOS]]

    def decode(self, ids: Iterable[int]) -> str:
        words = []
        for i in ids:
            w = self.words[i]
            if w == EOS:
                break
            if w not in SPECIALS:
                words.append(w)
        return " ".join(words)
