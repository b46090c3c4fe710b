"""Lay out the referral pathway as a static flow chart: data in, box positions out.

The SVG itself is written by the template referral_diagram.html (autoescaped, so step titles
from data are always text). No JavaScript and no external files, so the picture works offline,
from file:// and in WeasyPrint's PDFs. A Trust that adds steps gets a longer chart: the layout
grows downwards and long titles wrap.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

# Geometry in SVG user units (CSS pixels at 100%).
WIDTH = 420  # narrow enough that a phone shows it at about 80 % size
MARGIN = 8
BADGE = 44  # room on the left of each box for the step number
TITLE_SIZE = 17
ACTOR_SIZE = 14
LINE = 22  # distance between wrapped title lines
PAD = 12
GAP = 34  # vertical space between boxes, holding the arrow
TITLE_CHARS = 32  # characters per title line at TITLE_SIZE in a box of this width (bold, wide letters)
ACTOR_CHARS = 48


@dataclass(frozen=True)
class Box:
    number: int
    x: int
    y: int
    width: int
    height: int
    title_lines: tuple[str, ...]
    actor_lines: tuple[str, ...]
    anchor: str


@dataclass(frozen=True)
class Arrow:
    x: int
    y1: int
    y2: int


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]
    title_size: int = TITLE_SIZE
    actor_size: int = ACTOR_SIZE
    line: int = LINE
    pad: int = PAD
    badge: int = BADGE


def wrap(text: str, width: int) -> tuple[str, ...]:
    """Wrap on spaces; a single word longer than the line is broken rather than overflowing the box."""
    return tuple(textwrap.wrap(" ".join(text.split()), width=width, break_long_words=True)) or ("",)


def layout(steps: list[dict], actor_label) -> Layout:
    """steps: referral steps in order; actor_label(step) -> who does the step, as text."""
    boxes: list[Box] = []
    arrows: list[Arrow] = []
    y = MARGIN
    x, width = MARGIN, WIDTH - 2 * MARGIN
    for number, step in enumerate(steps, 1):
        title = wrap(step["title"], TITLE_CHARS)
        actor = wrap(actor_label(step), ACTOR_CHARS)
        height = PAD * 2 + LINE * len(title) + (ACTOR_SIZE + 6) * len(actor)
        if boxes:
            arrows.append(Arrow(x + width // 2, y - GAP + 2, y - 2))
        boxes.append(Box(number, x, y, width, height, title, actor, f"step-{step['id']}"))
        y += height + GAP
    return Layout(WIDTH, y - GAP + MARGIN, tuple(boxes), tuple(arrows))
