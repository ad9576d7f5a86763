"""Light rewriting that turns a curator's description into a caption, in the manner of im2txt's sentences
("a red motorcycle parked in a workshop"). Pure text functions, no model.

The rules, in order (each is a small regular expression below, so a surprising caption can be traced):

1. whitespace collapsed, surrounding quotes removed;
2. editorial notes dropped: anything in [square brackets] or (parentheses): dates, credits, techniques;
3. the first sentence only (a full stop, ! or ? followed by a capital or a digit ends it; abbreviations such
   as "St.", "c.", "e.g." and initials such as "J." do not);
4. catalogue boilerplate at the start removed, repeatedly: "Photograph of", "A black and white photo of",
   "This image shows", "Showing", "Untitled:", "No. 23:" ...; and credits at the end ("- courtesy of ...",
   "© ...");
5. at most :data:`MAX_CHARS` characters (two subtitle lines): cut at the last clause boundary (comma,
   semicolon, colon, dash) that keeps at least :data:`MIN_CUT` characters, else at a word, and never ending on
   "and", "of", "the" ...;
6. a lower-case start, unless the first word is a name: it is lowered when it is a function word ("A", "The",
   "Two") or when the archive's descriptions use it in lower case somewhere else ("Astronaut Eileen Collins"
   becomes "astronaut Eileen Collins"; "Chelsea, a tabby cat" keeps its capital); words in capitals ("NASA")
   are left alone;
7. no closing full stop, comma or semicolon.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

REWRITE_VERSION = 1  # bump when any rule changes (part of the archive captioner's identity)
MAX_CHARS = 84  # two subtitle lines of 42 characters
MIN_CUT = 24  # a clause cut must keep at least this much

_QUOTES = "\"'“”‘’«»„"
_ABBREVIATIONS = {"st", "mt", "dr", "mr", "mrs", "ms", "no", "nr", "c", "ca", "fig", "vol", "jr", "sr", "approx",
                  "e.g", "i.e", "etc", "vs", "inv", "cat", "pl", "ed", "rev", "prof", "gen", "col", "lt", "capt"}
_FUNCTION_WORDS = {"a", "an", "the", "this", "that", "these", "those", "one", "two", "three", "four", "five",
                   "six", "seven", "eight", "nine", "ten", "some", "several", "many", "few", "its", "his", "her",
                   "their", "our", "my", "in", "on", "at", "under", "over", "above", "below", "from", "with",
                   "inside", "outside", "near", "beside", "behind", "between", "after", "before", "during",
                   "there", "here", "every", "each", "no", "another", "other", "both", "all", "half", "part"}
_TRAILING_WORDS = {"and", "or", "of", "the", "a", "an", "with", "in", "on", "at", "to", "by", "for", "from",
                   "its", "their", "his", "her", "as", "while", "which", "that", "who", "into", "onto", "beside"}

_MEDIUM = r"(?:photo(?:graph)?|image|picture|snapshot|scan|print|postcard|still|photogravure|reproduction)s?"
_STYLE = (r"(?:black[- ]and[- ]white|b/w|colou?r(?:ed)?|digital|grey(?:scale)?|gray(?:scale)?|sepia|vintage|"
          r"old|archival|aerial|studio|press|hand[- ]tinted|undated)")
_BOILERPLATE = [
    re.compile(rf"^(?:an?\s+|the\s+)?(?:{_STYLE}[\s,]+)*{_MEDIUM}\s+(?:of|showing|depicting|taken\s+of)\s+", re.I),
    re.compile(rf"^(?:this|the)\s+{_MEDIUM}\s+(?:shows|depicts|is\s+of|features)\s+", re.I),
    re.compile(r"^(?:shows|showing|depicts|depicting|features|featuring)\s+", re.I),
    re.compile(r"^(?:untitled|no\s+title|title\s+unknown)\s*(?:[:.,;–—-]+\s*|$)", re.I),
    re.compile(r"^(?:no|nr|inv|cat|item|object)\.?\s*\d[\w./-]*\s*[:.,;–—-]+\s*", re.I),
]
_CREDIT = re.compile(r"\s*(?:©.*|(?:[–—-]|,)\s*(?:(?:courtesy\s+of|photo(?:graph)?\s+by|copyright)\b|credits?:).*)$",
                     re.I)
_SENTENCE_END = re.compile(r"([.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9À-Þ])")
_CLAUSE = re.compile(r"\s*(?:,|;|:|\s[–—-])\s")


def _first_sentence(text: str) -> str:
    for m in _SENTENCE_END.finditer(text):
        if m.group(1) == ".":
            before = text[:m.start()].rsplit(None, 1)
            word = before[-1].lower().strip(_QUOTES + "(") if before else ""
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or re.fullmatch(r"(?:\w\.)+\w", word):
                continue
        return text[:m.start() + 1]
    return text


def _trim(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cuts = [m.start() for m in _CLAUSE.finditer(text) if MIN_CUT <= m.start() <= limit]
    if cuts:
        return text[:cuts[-1]]
    cut = text[:limit + 1].rsplit(" ", 1)[0] if " " in text[:limit + 1] else text[:limit]
    words = cut.split()
    while len(words) > 1 and words[-1].lower().strip(",;:") in _TRAILING_WORDS:
        words.pop()
    return " ".join(words)


def lower_case_words(texts: Iterable[str]) -> set[str]:
    """Every word the texts use in lower case somewhere after their first word: a capitalised first word
    found here is an ordinary word, not a name."""
    words: set[str] = set()
    for text in texts:
        for word in re.findall(r"[\w'-]+", text)[1:]:
            if word.islower():
                words.add(word)
    return words


def _lower_start(text: str, lower_words: set[str]) -> str:
    m = re.match(r"[\w'-]+", text)
    if not m:
        return text
    word = m.group(0)
    if not (word[:1].isupper() and word[1:].islower() or len(word) == 1 and word.isupper()):
        return text  # "NASA", "iPod", "McDonald" stay as written
    low = word.lower()
    if low in _FUNCTION_WORDS or low in lower_words:
        return low + text[len(word):]
    return text


def as_caption(description: str, lower_words: set[str] | None = None, limit: int = MAX_CHARS) -> str:
    """The caption a description gives ("" when nothing is left of it)."""
    text = unicodedata.normalize("NFC", description)
    text = " ".join(text.split()).strip(_QUOTES + " ")
    text = re.sub(r"\s*\[[^\]]*\]", "", text)
    text = re.sub(r"\s*\([^)]*\)", "", text)
    text = _first_sentence(text).strip()
    changed = True
    while changed:
        before = text
        for rule in _BOILERPLATE:
            text = rule.sub("", text).strip()
        changed = text != before
    text = _CREDIT.sub("", text).strip()
    text = re.sub(r"\s+([,;:.!?])", r"\1", text)
    text = text.rstrip(" .,;:–—-…").strip(_QUOTES + " ")
    text = _trim(text, limit).rstrip(" .,;:–—-…")
    return _lower_start(text, lower_words or set())
