"""Names of the map's regions: the archive's own words where it has them, the network's classes only where
it is confident, and no name rather than a wrong one.

1. **Words** (when the archive's metadata has text): every item's terms come from its title and description
   columns (single words and two-word phrases, lower-cased, stop words and numbers left out) and from its
   label columns (``subject``, ``keywords``, ``tags``, ``labels``: each value split on ``; , |`` is one
   phrase, as is every label a curator taught). A term names a region when it is on at least
   ``WORD_MIN_SHARE`` of the region's images (and on two of them, when the region has two) and is more
   common inside the region than in the archive (``lift`` above ``WORD_MIN_LIFT``), or is on at least
   ``WORD_ALL_SHARE`` of them however common elsewhere; terms are ranked by ``share * log(lift)``, the
   c-TF-IDF of topic models with a document per image. Up to two terms make the name (the second when it
   scores at least ``WORD_SECOND_SCORE`` of the first); a two-word phrase on nearly every image of its
   words replaces them.
2. **Classes** (ImageNet, from the CNN), only where the network is confident across most of the region: a
   class among an image's top ``CLASS_TOP_K`` for at least ``CLASS_MIN_SHARE`` of the region's images, with
   a mean probability over all of its images (0 where the class is not in an image's top classes) of at
   least ``CLASS_MIN_MEAN_P``. ImageNet's 1,000 classes rarely name an archive's subjects: a sunset sky is
   "parachute" at p = 0.1; a region of cats is "tabby cat" at p = 0.6.
3. Otherwise the name is empty: the map shows no label there and the list view says "unnamed".

Both kinds of term are one sparse table (image, term, weight), so one piece of code counts them for
every level of regions with a single ``np.unique`` over (region, term) pairs: no (regions x vocabulary)
matrix, which for 1,000 regions and a million titles would not fit in memory.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..cache import Cache

NAMESPACE = "map-names"
NAMING_VERSION = 2  # of the map-names namespace; bump when a rule or a threshold below changes
SEP = " · "
WORDS_PER_NAME = 2
WORDS_LISTED = 6  # terms listed per cluster in the list view, those scoring WORDS_LISTED_SCORE of the best
WORDS_LISTED_SCORE = 0.1

WORD_MIN_SHARE = 0.25
WORD_MIN_LIFT = 1.2
WORD_ALL_SHARE = 0.8  # ... or is on this share of the region's images, however common elsewhere
WORD_SECOND_SCORE = 0.3  # a second term joins the name only when it scores this share of the first's
BIGRAM_KEEP = 0.8  # a two-word phrase replaces its words when it is on this share of their images

CLASS_TOP_K = 3
CLASS_MIN_SHARE = 0.6
CLASS_MIN_MEAN_P = 0.3

TEXT_COLUMNS = ("title", "description", "caption")  # free text: words and two-word phrases
LABEL_COLUMNS = ("subject", "subjects", "keywords", "tags", "labels", "label")  # lists of phrases
_PHRASE_SPLIT = re.compile(r"[;,|]")
_SEGMENT_SPLIT = re.compile(r"[.,;:!?()\[\]{}/|\"“”«»–—]+")
_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")

# English function words, and words an archive's titles use for everything ("untitled", "photo", "no. 3")
STOP_WORDS = frozenset("""
a about above after again against all almost also am among an and another any are around as at be
because been before being below between both but by can could did do does doing down during each either
else ever every few for from further had has have having he her here hers herself him himself his how i
if in into is it its itself just least less let like many may me might more most much must my myself
neither no nor not now of off often on once one only onto or other others our ours ourselves out over
own per perhaps rather same several she should since so some still such than that the their theirs them
themselves then there these they this those though through thus to too toward towards under until up
upon us very via was we were what when where whether which while who whom whose why will with within
without would yet you your yours yourself yourselves
untitled unknown unnamed image images picture pictures photo photos photograph photographs img pic
nr ca circa copy version view detail part no. vol
seen shown showing taken
le la les de des du un une et der die das und von ein eine el los las del y il di
""".split())


@dataclass
class Terms:
    """A sparse (image, term, weight) table: each pair at most once. ``parts`` holds each term's words
    (one for a word, two for a phrase of two words, none for a curator's label), to spot a phrase that
    says its words better."""

    item: np.ndarray  # int64
    term: np.ndarray  # int64
    weight: np.ndarray  # float64
    vocab: list[str]  # the term as shown
    parts: list[tuple[int, ...]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.vocab)


@dataclass(frozen=True)
class Name:
    name: str  # "" when nothing names the region well
    words: tuple[str, ...] = ()  # the characteristic terms, best first (the list view shows them)
    source: str = ""  # "words", "classes" or ""


# ------------------------------------------------------------------------------------ the tables


def text_columns(columns: Sequence[str], chosen: Sequence[str] = ()) -> tuple[list[str], list[str]]:
    """The metadata columns that carry words, as (free text, label lists): ``chosen`` (``[map] name_columns``)
    when given, else the columns named like title, description, subject, keywords, tags..."""
    by_lower = {c.lower(): c for c in columns}
    if chosen:
        picked = [by_lower[c.lower()] for c in chosen if c.lower() in by_lower]
        return ([c for c in picked if c.lower() not in LABEL_COLUMNS],
                [c for c in picked if c.lower() in LABEL_COLUMNS])
    return ([by_lower[c] for c in TEXT_COLUMNS if c in by_lower], [by_lower[c] for c in LABEL_COLUMNS if c in by_lower])


def _segment_terms(text: str) -> Iterable[tuple[str, str, tuple[str, ...]]]:
    """(key, shown form, words) of every word and two-word phrase of ``text`` that holds no stop word."""
    for segment in _SEGMENT_SPLIT.split(_TAG.sub(".", text)):  # markup is no word, and breaks a phrase
        prev: tuple[str, str] | None = None
        for m in _WORD.finditer(segment):
            shown = m.group(0)
            key = shown.casefold()
            if len(key) < 2 or key in STOP_WORDS:
                prev = None
                continue
            yield key, shown, (key,)
            if prev is not None:
                yield f"{prev[0]} {key}", f"{prev[1]} {shown}", (prev[0], key)
            prev = (key, shown)


def word_terms(texts: Sequence[Sequence[str]], phrases: Sequence[Sequence[str]] = ()) -> Terms:
    """The words table of N images: ``texts[i]`` the free text of image i (title, description...),
    ``phrases[i]`` its labels, each one term whatever its words."""
    index: dict[str, int] = {}
    shown: list[Counter[str]] = []
    parts_of: list[tuple[str, ...]] = []
    items: list[int] = []
    terms: list[int] = []

    def add(i: int, key: str, form: str, words: tuple[str, ...], seen: set[int]) -> None:
        t = index.get(key)
        if t is None:
            t = index[key] = len(shown)
            shown.append(Counter())
            parts_of.append(words)
        shown[t][form] += 1
        if t not in seen:
            seen.add(t)
            items.append(i)
            terms.append(t)

    n = max(len(texts), len(phrases))
    for i in range(n):
        seen: set[int] = set()
        for text in texts[i] if i < len(texts) else ():
            for key, form, words in _segment_terms(text):
                add(i, key, form, words, seen)
        for value in phrases[i] if i < len(phrases) else ():
            for phrase in _PHRASE_SPLIT.split(value):
                # its words: no markup or stray punctuation in a name
                form = " ".join(_WORD.findall(_TAG.sub(" ", phrase)))
                if form and form.casefold() not in STOP_WORDS:
                    add(i, "label:" + form.casefold(), form, (), seen)
    # the words of a phrase as term ids (a word of a phrase is always a term itself)
    parts = [tuple(index[w] for w in words) if len(words) > 1 else ((index[words[0]],) if words else ())
             for words in parts_of]
    # a word is shown as the archive writes it most often ("Ostend", "disc"); ties: the lower-case one
    vocab = [max(c.items(), key=lambda kv: (kv[1], kv[0].islower(), kv[0]))[0] for c in shown]
    return Terms(np.asarray(items, np.int64), np.asarray(terms, np.int64), np.ones(len(items), np.float64),
                 vocab, parts)


def class_terms(top_idx: np.ndarray, top_p: np.ndarray, names: Sequence[str]) -> Terms:
    """The classes table: each image's top ``CLASS_TOP_K`` classes weighted by their probability."""
    n, k = top_idx.shape if top_idx.ndim == 2 else (0, 0)
    k = min(k, CLASS_TOP_K)
    idx = top_idx[:, :k].astype(np.int64)
    p = top_p[:, :k].astype(np.float64)
    keep = p > 0
    items = np.repeat(np.arange(n, dtype=np.int64), k).reshape(n, k)
    return Terms(items[keep], idx[keep], p[keep], list(names), [(c,) for c in range(len(names))])


# ------------------------------------------------------------------------------------ counting


@dataclass
class _Stats:
    """Per (region, term) pair present: how many of the region's images have the term and its summed
    weight; pairs sorted by region then term."""

    T: int
    key: np.ndarray
    count: np.ndarray
    wsum: np.ndarray
    sizes: np.ndarray

    def lookup(self, region: np.ndarray, term: np.ndarray) -> np.ndarray:
        """Share of ``region``'s images that have ``term`` (0 where none does)."""
        want = region.astype(np.int64) * self.T + term
        at = np.clip(np.searchsorted(self.key, want), 0, max(len(self.key) - 1, 0))
        hit = self.key[at] == want if len(self.key) else np.zeros(len(want), bool)
        out = np.zeros(len(want), np.float64)
        out[hit] = self.count[at[hit]] / np.maximum(self.sizes[region[hit]], 1)
        return out


def _stats(assign: np.ndarray, k: int, t: Terms) -> _Stats:
    T = max(t.size, 1)
    key = assign[t.item].astype(np.int64) * T + t.term
    uk, inv = np.unique(key, return_inverse=True)
    count = np.bincount(inv, minlength=len(uk)).astype(np.float64)
    wsum = np.bincount(inv, weights=t.weight, minlength=len(uk))
    return _Stats(T, uk, count, wsum, np.bincount(assign, minlength=k).astype(np.float64))


def _words_of(t: Terms, x: int) -> set[str]:
    return set(t.vocab[x].casefold().split())


def _ranked_words(t: Terms, st: _Stats, lo: int, hi: int, c: int, background: np.ndarray,
                  exclude: Sequence[str], min_lift: float) -> list[tuple[int, float]]:
    """(term id, score) of the terms that may name region ``c`` (its pairs are st[lo:hi]), best first;
    ``background`` is each pair's share outside (in the archive, or in the parent region); terms sharing
    a word with a better one or with ``exclude`` are left out."""
    n_c = st.sizes[c]
    count = st.count[lo:hi]
    share = count / max(n_c, 1)
    lift = share / np.maximum(background, 1e-9)
    ok = (share >= WORD_MIN_SHARE) & (count >= min(2.0, n_c)) & ((lift >= min_lift) | (share >= WORD_ALL_SHARE))
    if not ok.any():
        return []
    terms = st.key[lo:hi][ok] % st.T
    # a word on nearly every image of a region that is most of the archive ("dog" in an archive of dogs)
    # says little against the rest, but is true: it scores a little, by its share
    score = share[ok] * np.log(np.maximum(lift[ok], 1.0)) + 1e-3 * share[ok]
    by_term = {int(x): (float(s), float(n), float(f)) for x, s, n, f in zip(terms, score, count[ok], lift[ok])}
    # a two-word phrase on nearly all the images of its words says them better ("red disc", not "red · disc");
    # one whose other word is everywhere ("squares pattern") says no more than its distinctive word
    for x in list(by_term):
        parts = t.parts[x]
        if len(parts) != 2:
            continue
        if not all(p in by_term and by_term[p][2] >= min_lift for p in parts):
            del by_term[x]
            continue
        s, n, f = by_term[x]
        if n >= BIGRAM_KEEP * max(by_term[p][1] for p in parts):
            by_term[x] = (max(s, *(by_term[p][0] for p in parts)), n, f)
    out: list[tuple[int, float]] = []
    used = {w.casefold() for e in exclude for w in e.split()}
    for x in sorted(by_term, key=lambda x: (-by_term[x][0], -len(t.parts[x]), t.vocab[x])):
        words = _words_of(t, x)
        if words & used:
            continue
        out.append((x, by_term[x][0]))
        used |= words
    return out


def _name_from(t: Terms, picked: list[tuple[int, float]]) -> str:
    """The best term, and the second when it scores at least WORD_SECOND_SCORE of the first."""
    chosen = [x for j, (x, s) in enumerate(picked[:WORDS_PER_NAME]) if j == 0 or s >= WORD_SECOND_SCORE * picked[0][1]]
    return SEP.join(t.vocab[x] for x in chosen)


def _confident_classes(t: Terms, st: _Stats, lo: int, hi: int, c: int, overall: np.ndarray) -> list[int]:
    """Classes the network is confident of across most of region ``c``, most characteristic first, none
    contained in another's name ("cat" beside "tabby cat")."""
    n_c = max(st.sizes[c], 1)
    share = st.count[lo:hi] / n_c
    mean_p = st.wsum[lo:hi] / n_c
    ok = (share >= CLASS_MIN_SHARE) & (mean_p >= CLASS_MIN_MEAN_P)
    terms = st.key[lo:hi][ok] % st.T
    if not len(terms):
        return []
    mp = mean_p[ok]
    score = mp * np.log((mp + 1e-6) / (overall[terms] + 1e-6))
    out: list[int] = []
    for x in terms[np.lexsort((terms, -mp, -score))].tolist():
        name = t.vocab[x]
        if not any(name in t.vocab[y] or t.vocab[y] in name for y in out):
            out.append(x)
    return out[:WORDS_PER_NAME]


# ------------------------------------------------------------------------------------ naming


class Namer:
    """Names regions of the map from a words table (or None) and a classes table of the same images."""

    def __init__(self, words: Terms | None, classes: Terms, n: int) -> None:
        self.words = words if words is not None and words.size else None
        self.classes = classes
        self.n = n
        self.word_df = (np.bincount(self.words.term, minlength=self.words.size) / max(n, 1)
                        if self.words is not None else np.zeros(0))
        self.class_mean = np.bincount(classes.term, weights=classes.weight, minlength=classes.size) / max(n, 1)

    def level(self, assign: np.ndarray, parent: np.ndarray | None = None,
              parent_names: Sequence[Name] = (),
              parent_stats: _Stats | None = None) -> tuple[list[Name], _Stats | None]:
        """Names of the regions ``assign`` (0 .. k-1). With ``parent`` (each region's parent region in the
        level above, whose names and word counts are given), a region whose words would repeat its parent's
        is named by what sets it apart inside the parent, so zooming in does not show the same words again."""
        k = int(assign.max()) + 1 if len(assign) else 0
        multi = k > 1
        ws = _stats(assign, k, self.words) if self.words is not None else None
        cs = _stats(assign, k, self.classes)
        w_bounds = np.searchsorted(ws.key, np.arange(k + 1, dtype=np.int64) * ws.T) if ws is not None else None
        c_bounds = np.searchsorted(cs.key, np.arange(k + 1, dtype=np.int64) * cs.T)
        out: list[Name] = []
        for c in range(k):
            name = self._by_words(c, ws, w_bounds, multi, parent, parent_names, parent_stats)
            if name is None:
                picked = _confident_classes(self.classes, cs, int(c_bounds[c]), int(c_bounds[c + 1]), c,
                                            self.class_mean)
                names = [self.classes.vocab[x] for x in picked]
                name = Name(SEP.join(names), tuple(names), "classes") if names else Name("")
            out.append(name)
        return out, ws

    def _by_words(self, c: int, ws: _Stats | None, bounds: np.ndarray | None, multi: bool,
                  parent: np.ndarray | None, parent_names: Sequence[Name], parent_stats: _Stats | None) -> Name | None:
        if ws is None or bounds is None or self.words is None:
            return None
        t = self.words
        lo, hi = int(bounds[c]), int(bounds[c + 1])
        terms = ws.key[lo:hi] % ws.T
        picked = _ranked_words(t, ws, lo, hi, c, self.word_df[terms], (), WORD_MIN_LIFT if multi else 0.0)
        if not picked:
            return None
        name = _name_from(t, picked)
        if parent is not None and parent_stats is not None and parent_names and name == parent_names[parent[c]].name:
            inside_parent = parent_stats.lookup(np.full(len(terms), int(parent[c])), terms)
            refined = _ranked_words(t, ws, lo, hi, c, inside_parent, name.split(SEP), WORD_MIN_LIFT)
            if refined:
                name = _name_from(t, refined)
            elif len(picked) > 1:
                name = t.vocab[picked[1][0]]
        # listed: the terms that tell this region apart (a word on every image of the archive does not)
        listed = [x for x, s in picked if s >= WORDS_LISTED_SCORE * picked[0][1]][:WORDS_LISTED]
        return Name(name, tuple(t.vocab[x] for x in listed), "words")


def name_levels(levels: Sequence[np.ndarray], words: Terms | None, classes: Terms,
                nested: bool = True) -> list[list[Name]]:
    """Names of each level's regions, coarse to fine; ``nested``: each level splits the one above."""
    n = len(levels[0]) if len(levels) else 0
    namer = Namer(words, classes, n)
    out: list[list[Name]] = []
    prev_stats: _Stats | None = None
    for j, assign in enumerate(levels):
        parent = None
        if nested and j:
            k = int(assign.max()) + 1 if len(assign) else 0
            parent = np.zeros(k, np.int64)
            parent[assign] = levels[j - 1]
        names, prev_stats = namer.level(assign, parent, out[-1] if out and nested else (), prev_stats)
        out.append(names)
    return out


# ------------------------------------------------------------------------------------ the map stage's names


@dataclass
class MapNames:
    clusters: list[Name]
    regions: list[list[str]]
    columns: list[str]  # the metadata columns whose words were used


def archive_names(cache: Cache, metadata: Sequence[dict[str, str]], columns: Sequence[str],
                  chosen: Sequence[str], assign: np.ndarray, regions: np.ndarray, top_idx: np.ndarray,
                  top_p: np.ndarray) -> MapNames:
    """Names of the map's clusters and of every level of its regions (``metadata``: each image's, in map
    order), cached by every input, so a build with nothing changed does not read a word of it again."""
    from ..cache import hash_parts
    from ..models.vocabulary import class_names

    free, labels = text_columns(columns, chosen)
    digest = hashlib.sha256()
    for m in metadata:
        digest.update("\x1f".join(m.get(c, "") for c in (*free, *labels)).encode("utf-8", "surrogatepass") + b"\x1e")
    ns = cache.namespace(NAMESPACE, NAMING_VERSION)
    key = ns.key(hash_parts(free, labels), digest.hexdigest(),
                 *(hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest() + str(a.shape)
                   for a in (assign, regions, top_idx, top_p)))
    got = ns.get_json(key)
    if isinstance(got, dict):
        return MapNames([Name(c[0], tuple(c[1]), c[2]) for c in got["clusters"]], got["regions"], got["columns"])
    words = None
    if free or labels:
        words = word_terms([[m.get(c, "") for c in free] for m in metadata],
                           [[m.get(c, "") for c in labels] for m in metadata])
    classes = class_terms(top_idx, top_p, class_names())
    clusters = name_levels([assign], words, classes, nested=False)[0] if len(assign) else []
    region_names = ([[n.name for n in level] for level in name_levels(list(regions), words, classes)]
                    if regions.ndim == 2 and regions.shape[1] else [[] for _ in range(len(regions))])
    out = MapNames(clusters, region_names, [*free, *labels])
    ns.put_json(key, {"clusters": [[c.name, list(c.words), c.source] for c in clusters], "regions": region_names,
                      "columns": out.columns})
    return out
