"""How a composition is laid out: each style turns a seeded random generator and the cut-outs on offer
into a list of placements (which figure, where, how large, turned how far), pure arithmetic, no pixels.

- ``fractal``: Klingemann's "fractal" scaling: one figure repeated at geometrically decreasing scales
  along a logarithmic spiral, each copy turned with the spiral, drawn largest first; a second figure
  stands at the spiral's eye.
- ``scatter``: Ernst's assembly: several different figures at different scales and small tilts, some
  mirrored, the larger behind the smaller, as if pasted one after another.
- ``frieze``: a figure repeated in a row that recedes towards a vanishing point, under a second figure
  standing large in the foreground.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

STYLES = ("fractal", "scatter", "frieze")


@dataclass(frozen=True)
class Placement:
    figure: int  # index into the figures given to the layout
    x: float  # centre, as a fraction of the composition's width
    y: float  # ... and height
    height: float  # the figure's height as a fraction of the composition's side
    angle: float  # degrees, counter-clockwise
    mirror: bool = False
    shadow: bool = True


def layout(style: str, rng: random.Random, aspects: list[float]) -> list[Placement]:
    """Placements for the figures whose width/height ratios are ``aspects`` (at least one), back to front."""
    if style == "fractal":
        return _fractal(rng, aspects)
    if style == "scatter":
        return _scatter(rng, aspects)
    if style == "frieze":
        return _frieze(rng, aspects)
    raise ValueError(f"unknown collage style {style!r}; choose from {', '.join(STYLES)}")


def _height_for(aspect: float, size: float) -> float:
    """The height that makes a figure of this aspect about ``size`` across its larger side."""
    return size / max(1.0, aspect)


def _fractal(rng: random.Random, aspects: list[float]) -> list[Placement]:
    fig = rng.randrange(len(aspects))
    copies = rng.randint(9, 15)
    ratio = rng.uniform(0.74, 0.84)  # each copy this much smaller than the one before
    turn = rng.choice((-1, 1)) * rng.uniform(0.45, 0.8)  # radians of spiral per copy
    cx, cy = rng.uniform(0.4, 0.6), rng.uniform(0.4, 0.6)
    start = rng.uniform(0, 2 * math.pi)
    radius, size = rng.uniform(0.3, 0.4), rng.uniform(0.42, 0.55)
    spin = rng.choice((0.0, 1.0))  # 1: each copy turned with the spiral; 0: all upright
    out = []
    for k in range(copies):
        f = ratio ** k
        a = start + k * turn
        out.append(Placement(fig, cx + radius * f * math.cos(a), cy + radius * f * math.sin(a),
                             _height_for(aspects[fig], size * f), spin * math.degrees(-a + start),
                             mirror=bool(k % 2) and rng.random() < 0.3, shadow=f > 0.15))
    if len(aspects) > 1:
        eye = rng.choice([i for i in range(len(aspects)) if i != fig])
        out.append(Placement(eye, cx, cy, _height_for(aspects[eye], size * ratio ** copies * 2.5), 0.0))
    return out


def _scatter(rng: random.Random, aspects: list[float]) -> list[Placement]:
    n = min(len(aspects), rng.randint(4, 8))
    chosen = rng.sample(range(len(aspects)), n) if len(aspects) >= n else list(range(len(aspects)))
    if len(chosen) < 4:  # few figures: some come back, at another scale
        chosen += [rng.choice(chosen) for _ in range(4 - len(chosen))]
    sizes = sorted((rng.uniform(0.18, 0.62) for _ in chosen), reverse=True)
    out = []
    for fig, size in zip(chosen, sizes):
        h = _height_for(aspects[fig], size)
        w = h * aspects[fig]
        # inside the frame as far as the figure's size allows (a big one may be cut by an edge)
        x = rng.uniform(min(0.5, 0.08 + w / 2), max(0.5, 0.92 - w / 2))
        y = rng.uniform(min(0.5, 0.08 + h / 2), max(0.5, 0.95 - h / 2))
        out.append(Placement(fig, x, y, h, rng.gauss(0, 12), mirror=rng.random() < 0.35))
    return out


def _frieze(rng: random.Random, aspects: list[float]) -> list[Placement]:
    fig = rng.randrange(len(aspects))
    copies = rng.randint(6, 11)
    horizon = rng.uniform(0.38, 0.55)  # the row recedes to a point on this line
    vx = rng.choice((0.12, 0.88))  # vanishing point left or right
    ratio = rng.uniform(0.7, 0.82)
    base = rng.uniform(0.3, 0.42)
    x0 = 1 - vx
    out = []
    for k in range(copies):
        f = ratio ** k
        h = _height_for(aspects[fig], base * f)
        out.append(Placement(fig, vx + (x0 - vx) * f, horizon + (0.78 - horizon) * f - h / 2 * 0.2, h,
                             rng.gauss(0, 2), mirror=vx > 0.5))
    out.reverse()  # the far, small copies first
    if len(aspects) > 1:
        big = rng.choice([i for i in range(len(aspects)) if i != fig])
        out.append(Placement(big, rng.uniform(0.3, 0.7), rng.uniform(0.62, 0.75), _height_for(aspects[big], 0.5),
                             rng.gauss(0, 4), mirror=rng.random() < 0.5))
    return out
