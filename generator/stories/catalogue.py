"""Which of an archive's texts say something about the picture, and which are only its place in a catalogue.

Real archives title by inventory number: "Plate 47", "Inv. 1923.4", "IMG_0042", "1923.4.17", "Untitled".
To MiniLM such a title still means something ("Plate 47" is a photographic plate, close to a sentence about
a camera), so a story matched against it picks a picture for its catalogue number. :func:`meaning` keeps
what a text says and drops what only files it; :func:`is_catalogue` is the yes/no of it.

The rules, in order (each with the example that made it):
1. Nothing but a placeholder: "", "Untitled", "No title", "Sans titre", "n/a", "[unknown]".
2. A title that is the file's own name with a number in it ("IMG_0042" from IMG_0042.jpg, "scan 12"): a
   camera, a scanner or a numbering scheme named the file. A file name in plain words
   ("lighthouse-at-dusk") was given by a person, and is judged by the rules below like any title.
3. A label word followed by a code ("Plate 47", "Fig. 3", "No. 12", "Inv. 1923.4", "Cat. 5", "Sheet 3,
   folio 12r") is the catalogue's, not the picture's; the same word elsewhere ("A plate of fruit", "Cat on a
   mat") is an ordinary word. A leading label is cut off what follows it: "Plate 47: Lighthouse at dusk"
   means "Lighthouse at dusk".
4. Codes (any token with a digit: "47", "1923.4.17", "DSC01234", "IMG_0042"; a capital Roman numeral
   "XLVII") and placeholders say nothing; small words ("of", "the") and single letters neither count nor
   weigh against. A text with no word left says nothing; so does one whose only words name kinds of
   record ("Plate", "Photograph", "Figure", "No title"): the catalogue's vocabulary, not the picture's.
5. A short text (at most :data:`SHORT` tokens) with more codes than words ("Box 12 folder 3 letter 7") says
   nothing either; "Portrait of a woman, 1890" keeps two words against one number and counts.
"""

from __future__ import annotations

import re

# words that name a catalogue's entries ("Plate", "Fig.", "Inv.", "Photograph"; "Taf.", "Abb.", "Bl." in German
# catalogues; a camera's "DSC", "IMG"): followed by a number they file an object, and a text made of nothing
# else names no more than the kind of record it is
FILING = frozenset("""
    plate pl fig figure no nr num number inv inventory acc accession item object obj ref reference id sheet
    folio fol print photo photograph image img picture pic scan neg negative slide page leaf catalogue catalog
    frame taf tafel abb abbildung bl blatt kat dsc dscn dcim mvi pxl gopr
""".split())
# words that file an object only when a number follows ("Cat. 5", "Box 4", "Reel 12"), and alone are words
# like any other ("Cat on a mat")
LABELS = FILING | frozenset("cat box folder file lot reel roll tray part series copy vol volume f p pp".split())
# words that stand where a title would be, and say nothing of the picture whatever follows them
PLACEHOLDERS = frozenset("""
    untitled unknown unnamed unidentified undated anonymous none na title titre titel titolo titulo título
    sans ohne senza sin detail recto verso n/a n.a
""".split())
# words that carry no meaning alone, and so neither count as content nor weigh against it
SMALL = frozenset("""
    a an the of and or in on at to with by from for as is its it i de la le les du des van von der den di
    del da y et und c ca circa
""".split())
SHORT = 8  # tokens: a longer text is a description, and its numbers (dates, counts) do not outweigh it

# a token: letters and digits, joined across the dots, dashes, slashes and underscores of an id
# ("1923.4.17", "IMG_0042", "A-12/3"), but not across a trailing dot ("Inv." is "Inv")
_TOKEN = re.compile(r"[^\W_]+(?:[._/\-][^\W_]+)*")
_ROMAN = re.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
# what may separate a leading label from the title behind it: "Plate 47: ", "Fig. 3. ", "No. 12 - "
_SEPARATOR = re.compile(r"\s*[:.,;)\]\-–—/|]+\s*|\s+")


def _is_code(token: str) -> bool:
    if any(ch.isdigit() for ch in token):
        return True
    # capital Roman numerals ("Plate XLVII", "Vol. II"); lower case ones are words ("mix", "civil"); "I" is small
    return len(token) > 1 and token.isupper() and _ROMAN.fullmatch(token) is not None


def _labelled(tokens: list[str]) -> list[bool]:
    """Which tokens belong to a "label code" pair ("Plate 47", "Fig. 3a", "Inv. 1923.4")."""
    marks = [False] * len(tokens)
    for i in range(len(tokens) - 1):
        word = tokens[i].lower()
        if (word in LABELS or word.removesuffix("s") in LABELS) and _is_code(tokens[i + 1]):
            marks[i] = marks[i + 1] = True
    return marks


def _stem_name(text: str) -> str:
    """A file name and a title compared as words: case, underscores, dashes and dots ignored."""
    return " ".join(t.lower() for t in re.split(r"[\W_]+", text) if t)


def is_catalogue(text: str, stem: str = "") -> bool:
    """Whether ``text`` (an archive picture's title or other text; ``stem`` its file name without the
    extension) only files the picture and says nothing of what it shows."""
    return not meaning(text, stem)


def meaning(text: str, stem: str = "") -> str:
    """``text`` as a story should match it: "" when it is a catalogue id or a placeholder (see the module's
    rules), the text after a leading catalogue label ("Plate 47: Lighthouse" -> "Lighthouse"), or the
    text itself."""
    text = " ".join(text.split())
    tokens = _TOKEN.findall(text)
    if not tokens:
        return ""  # rule 1: empty, or punctuation only
    if stem and _stem_name(text) == _stem_name(stem) and any(ch.isdigit() for ch in stem):
        return ""  # rule 2: the camera's or the scanner's file name
    labelled = _labelled(tokens)
    words: list[str] = []
    codes = sum(_is_code(t) for t in tokens)  # with those of the labels: "Box 12 folder 3 letter 7" is 3 to 1
    for token, in_label in zip(tokens, labelled):
        word = token.lower()
        if not (in_label or word in PLACEHOLDERS or _is_code(token) or word in SMALL or len(word) < 2):
            words.append(word)
    if not words or all(w in FILING or w.removesuffix("s") in FILING for w in words):
        return ""  # rule 4
    if len(tokens) <= SHORT and codes > len(words):
        return ""  # rule 5
    return _without_leading_label(text, tokens, labelled)


def _without_leading_label(text: str, tokens: list[str], labelled: list[bool]) -> str:
    """The text after the catalogue labels and codes it starts with ("Plate 47: ", "Inv. 1923.4, ", "1923.4.17 "),
    when words follow them; else the whole text. (A leading placeholder stays: "Unknown sitter" cut to "sitter"
    would quote badly as a reason, and MiniLM reads past it.)"""
    lead = 0
    while lead < len(tokens) and (labelled[lead] or _is_code(tokens[lead])):
        lead += 1
    if lead == 0:
        return text
    pos = 0
    for token in tokens[:lead]:
        pos = text.index(token, pos) + len(token)
    rest = text[pos:]
    sep = _SEPARATOR.match(rest)
    rest = rest[sep.end():] if sep else rest
    return rest if _TOKEN.search(rest) else text
