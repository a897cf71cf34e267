"""Generated covers, with no I/O: an SVG made from a title's name, kind and year.

A title without an image still gets a cover, the same every time: its initials and its
name on a colour drawn from its id, its year and kind at the foot. Posters are 2:3 (films,
series), box art 3:4 (games), as the grids show them.
"""

from __future__ import annotations

import hashlib
import textwrap
from xml.sax.saxutils import escape

SIZES = {"game": (240, 320), "film": (200, 300), "series": (200, 300)}
KIND_LABELS = {"game": "GAME", "film": "FILM", "series": "SERIES"}
# The golden angle spreads consecutive ids' hues evenly around the wheel.
GOLDEN_ANGLE = 137.508
LINE_CHARACTERS = 14
MAX_LINES = 4
_QUOTES = {'"': "&quot;"}


def cover_path(media_id: int) -> str:
    """Where the catalogue serves the generated cover of a title (stable for that title)."""
    return f"/api/v1/media/{media_id}/cover.svg"


def hue(media_id: int) -> int:
    """The title's colour on the wheel, in degrees, from its id alone."""
    return round(media_id * GOLDEN_ANGLE) % 360


def initials(title: str) -> str:
    """Up to two letters or digits: the first of the title's first two words."""
    words = ["".join(c for c in word if c.isalnum()) for word in title.split()]
    letters = [word[0] for word in words if word]
    return "".join(letters[:2]).upper() or "?"


def cover_svg(media_id: int, kind: str, title: str, year: int | None) -> str:
    """The title's generated cover, an SVG document."""
    width, height = SIZES.get(kind, SIZES["film"])
    h = hue(media_id)
    lines = textwrap.wrap(title, LINE_CHARACTERS, break_long_words=True) or [title]
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 1], lines[MAX_LINES - 1][: LINE_CHARACTERS - 1] + "…"]
    foot = " · ".join(filter(None, (str(year) if year else "", KIND_LABELS.get(kind, ""))))
    name = "".join(
        f'<tspan x="{width // 2}" dy="{0 if i == 0 else 22}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title, _QUOTES)}">'
        f'<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="hsl({h},55%,42%)"/>'
        f'<stop offset="1" stop-color="hsl({(h + 40) % 360},60%,22%)"/>'
        f"</linearGradient></defs>"
        f'<rect width="{width}" height="{height}" fill="url(#g)"/>'
        f'<g fill="#fff" font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif"'
        f' text-anchor="middle">'
        f'<text x="{width // 2}" y="{height * 0.38:.0f}" font-size="{width // 3}"'
        f' font-weight="700" fill-opacity="0.9">{escape(initials(title))}</text>'
        f'<text x="{width // 2}" y="{height * 0.58:.0f}" font-size="18"'
        f' font-weight="600">{name}</text>'
        f'<text x="{width // 2}" y="{height - 18}" font-size="13" fill-opacity="0.8"'
        f' letter-spacing="1">{escape(foot)}</text>'
        f"</g></svg>"
    )


def etag(svg: str) -> str:
    """A strong validator for the cover's current content (its title or year may change)."""
    return '"' + hashlib.sha256(svg.encode()).hexdigest()[:20] + '"'
