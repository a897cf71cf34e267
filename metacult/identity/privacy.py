"""Who may read a section of someone's profile: the rules, with no I/O."""

from __future__ import annotations

from typing import Literal, get_args

Section = Literal["library", "diary", "lists", "reviews", "activity", "stats"]
Audience = Literal["public", "followers", "private"]
SECTIONS: tuple[Section, ...] = get_args(Section)

# What a section shows to before its owner chose: everything is public but the diary.
DEFAULT_AUDIENCE: dict[Section, Audience] = {section: "public" for section in SECTIONS} | {
    "diary": "private"
}


def audiences(chosen: dict[str, str]) -> dict[Section, Audience]:
    """Every section's audience: the owner's choice, else the default."""
    return {section: chosen.get(section, DEFAULT_AUDIENCE[section]) for section in SECTIONS}  # type: ignore[misc]


def may_read(audience: str, *, owner: bool, follower: bool) -> bool:
    """May a viewer read a section shown to ``audience``? (Blocks are checked before.)"""
    if owner:
        return True
    if audience == "public":
        return True
    return audience == "followers" and follower
