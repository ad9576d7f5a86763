"""Rules for settings, stated where each setting is declared.

A field of a settings section says its default and what its value must be in one place::

    crf: int = setting(20, between(0, 51))  # H.264 quality, 0 (lossless) .. 51
    device: str = setting("cpu", DEVICE)  # "cpu", "cuda", "cuda:<n>" or "auto"

(``dataclasses.field`` underneath: the rules ride in its metadata). A rule checks one value and, when it
fails, completes the line that names it: ``[video] crf must be between 0 and 51, got 60``. What involves
more than one field, the registry or the site folder (``min_interval < max_interval``, ``[captions]
captioner``, a voice file) is the section's own ``problems(site_dir)`` method, whose lines name their
section and key themselves. :func:`section_problems` gathers both for one section;
:func:`generator.config.validate` walks every section of the settings with it.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from . import registry
from .errors import ConfigError

T = TypeVar("T")

RULES = "rules"  # the key of a field's metadata that holds its rules


class Rule:
    """What a setting's value must be: ``test`` passes the good values, ``says`` is the requirement as it
    follows the key in a problem's line ("must be between 0 and 51")."""

    def __init__(self, test: Callable[[Any], bool], says: str) -> None:
        self.test = test
        self.says = says

    def passes(self, value: Any) -> bool:
        try:
            return bool(self.test(value))
        except (TypeError, ValueError, AttributeError):  # a value of the wrong type (set in code, not read
            # from site.toml, whose values are checked against the fields' types first)
            return False

    def problem(self, value: Any) -> str | None:
        """The end of the problem's line ("must be ..., got 60"), or None when ``value`` is good."""
        return None if self.passes(value) else f"{self.says}, got {value!r}"

    def __repr__(self) -> str:
        return f"Rule({self.says!r})"


class _Each(Rule):
    """Every entry of a list passes ``rule``; the problem lists the entries that do not."""

    def __init__(self, rule: Rule) -> None:
        super().__init__(lambda values: all(rule.passes(v) for v in values), f"each entry {rule.says}")
        self.rule = rule

    def problem(self, value: Any) -> str | None:
        if self.passes(value):
            return None
        try:
            bad = [v for v in value if not self.rule.passes(v)]
        except TypeError:
            return f"must be a list, got {value!r}"
        return f"has {bad!r}: {self.says}"


def setting(default: T, *rules: Rule) -> T:
    """A field with ``default`` (a list or a table is copied for each instance) and the ``rules`` its value
    must pass, checked in order (the first that fails is the field's problem)."""
    metadata = {RULES: rules}
    if isinstance(default, (list, dict, set)):
        def fresh() -> T:
            return copy.deepcopy(default)

        return dataclasses.field(default_factory=fresh, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def rules_of(f: dataclasses.Field[Any]) -> tuple[Rule, ...]:
    """The rules of a settings field (none for a plain field)."""
    rules: tuple[Rule, ...] = f.metadata.get(RULES, ())
    return rules


# ------------------------------------------------------------------------------------------------ rules

def between(low: float, high: float, unit: str = "") -> Rule:
    """``low <= value <= high``."""
    return Rule(lambda v: low <= v <= high, f"must be between {low} and {high}{' ' + unit if unit else ''}")


def strictly_between(low: float, high: float) -> Rule:
    """``low < value < high``."""
    return Rule(lambda v: low < v < high, f"must be more than {low} and less than {high}")


def at_least(low: float, note: str = "") -> Rule:
    """``value >= low``; ``note`` says what ``low`` means ("torch's default")."""
    return Rule(lambda v: v >= low, f"must be {low}{f' ({note})' if note else ''} or more")


def above(low: float, unit: str = "") -> Rule:
    """``value > low``."""
    return Rule(lambda v: v > low, f"must be more than {low}{' ' + unit if unit else ''}")


def even_at_least(low: int) -> Rule:
    """An even whole number of at least ``low`` (picture sizes)."""
    return Rule(lambda v: v >= low and v % 2 == 0, f"must be an even number of at least {low}")


def multiple_of(quantum: int, note: str = "") -> Rule:
    """A positive multiple of ``quantum``."""
    return Rule(lambda v: v >= quantum and v % quantum == 0,
                f"must be a multiple of {quantum}{f' ({note})' if note else ''}")


def one_of(*choices: str) -> Rule:
    """One of ``choices``."""
    named = (" or ".join(choices) if len(choices) <= 2 else
             f"{', '.join(choices[:-1])} or {choices[-1]}" if len(choices) == 3 else f"one of {', '.join(choices)}")
    return Rule(lambda v: v in choices, f"must be {named}")


def matches(pattern: str, example: str, note: str = "") -> Rule:
    """Text matching the regular expression ``pattern`` in full, like ``example``."""
    compiled = re.compile(pattern)
    says = f"must look like {example!r}{f' ({note})' if note else ''}"
    return Rule(lambda v: compiled.fullmatch(v) is not None, says)


def not_blank(says: str = "must not be empty") -> Rule:
    """Text with something other than spaces in it."""
    return Rule(lambda v: bool(v.strip()), says)


def each(rule: Rule) -> Rule:
    """A list whose every entry passes ``rule``."""
    return _Each(rule)


def _inside(folder: str) -> bool:
    path = Path(folder)
    return bool(folder.strip()) and not path.is_absolute() and ".." not in path.parts


#: a path relative to the site folder that stays inside it
INSIDE_SITE = Rule(_inside, "must be a folder inside the site folder")


def device_ok(device: str) -> bool:
    """Where models run: "cpu", "cuda", "cuda:<n>" (one GPU of several) or "auto" (CUDA when present)."""
    return device in ("cpu", "cuda", "auto") or (device.startswith("cuda:") and device[5:].isdigit())


#: the one rule of every section's ``device`` (set by --device for all of them)
DEVICE = Rule(device_ok, "must be cpu, cuda, cuda:<n> or auto")


# ------------------------------------------------------------------------------------------ checking

def lookup(section: str, kind: str, spec: str, out: list[str]) -> registry.Entry | None:
    """The registry's entry for ``spec``; when there is none, a line naming ``[section]`` is added to
    ``out`` and None returned (for a section's ``problems``)."""
    try:
        return registry.resolve(kind, spec)
    except ConfigError as exc:
        out.append(f"[{section}] {exc.message}")
        return None


def field_problems(name: str, section: Any) -> list[str]:
    """The problem of each field of a section (``name``: its table in site.toml) whose value fails one of its
    rules, in the order the fields are declared."""
    out = []
    for f in dataclasses.fields(section):
        for rule in rules_of(f):
            problem = rule.problem(getattr(section, f.name))
            if problem is not None:
                out.append(f"[{name}] {f.name} {problem}")
                break
    return out


def section_problems(name: str, section: Any, site_dir: Path | None = None) -> list[str]:
    """Every problem of one section: its own ``problems(site_dir)`` (components, files, fields together)
    first, then its fields' rules. ``site_dir``: where relative paths are looked for (None: not checked)."""
    own: Callable[[Path | None], Iterable[str]] | None = getattr(section, "problems", None)
    return [*(own(site_dir) if own is not None else ()), *field_problems(name, section)]
