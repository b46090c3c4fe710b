"""The Trust's brand colours must keep text readable: WCAG 2.2 contrast (1.4.3, 4.5:1 for text).

White text sits on the primary colour (header bar, buttons), and both the primary and the accent
colour are used for text and links on white, so each needs 4.5:1 against white.
"""

from __future__ import annotations

from .problems import Problem

MINIMUM = 4.5
WHITE = "#ffffff"


def _luminance(hex_colour: str) -> float:
    """Relative luminance, as WCAG defines it."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def check(loaded) -> list[Problem]:
    """A Problem for each brand colour of trust.yml that white text, or text on white, cannot be read on."""
    problems = []
    for key, colour in loaded.data.get("colours", {}).items():
        ratio = contrast(colour, WHITE)
        if ratio < MINIMUM:
            pos = loaded.pos(("colours", key))
            problems.append(
                Problem(
                    pos.file,
                    pos.line,
                    pos.col,
                    f"colours.{key}",
                    f"'{colour}' has a contrast of {ratio:.1f}:1 with white; text needs at least {MINIMUM}:1 "
                    "(WCAG 2.2, 1.4.3), so choose a darker colour",
                )
            )
    return problems
