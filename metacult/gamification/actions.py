"""What each domain event means for gamification: the acts it sets on subjects. Pure.

An act names the user it is about, the action and its subject, the XP the subject is worth
after it (``target``), its ``state`` (None: taken back) and the counters it holds while
held. The service turns acts into ledger rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from metacult.gamification import rules


@dataclass(frozen=True, slots=True)
class Act:
    user_id: int
    action: str
    subject: str
    target: int
    state: str | None
    counts: frozenset[str] = field(default_factory=frozenset)
    # An action by the user themself: it keeps their streak and may earn the daily bonus.
    active: bool = True
    # Rated titles count towards the genres they belong to (looked up by the service).
    media_id: int | None = None
    # A reversal that applies only while the subject is still in this state (a deleted
    # review takes its title's review XP back only if it is the review that earned it).
    reverses: str | None = None


def _media(data: dict[str, Any]) -> str:
    return f"media:{data['media_id']}"


def acts_of(event_type: str, data: dict[str, Any], occurred_at: datetime) -> list[Act]:
    """The acts an event of ``event_type`` with payload ``data`` sets (none: ignored)."""
    match event_type:
        case "interaction.liked":
            return [
                Act(
                    data["user_id"],
                    "like",
                    _media(data),
                    rules.RULES["like"].xp,
                    "liked",
                    frozenset({"likes"}),
                )
            ]
        case "interaction.unliked":
            return [Act(data["user_id"], "like", _media(data), 0, None)]
        case "interaction.rated":
            return [
                Act(
                    data["user_id"],
                    "rating",
                    _media(data),
                    rules.RULES["rating"].xp,
                    "rated",
                    frozenset({"ratings"}),
                    media_id=data["media_id"],
                )
            ]
        case "interaction.unrated":
            return [Act(data["user_id"], "rating", _media(data), 0, None)]
        case "interaction.status_changed":
            status = data["status"]
            return [
                Act(
                    data["user_id"],
                    "status",
                    _media(data),
                    rules.status_xp(status),
                    status,
                    rules.counters_for("status", data["kind"], status),
                )
            ]
        case "interaction.reviewed":
            review = f"review:{data['review_id']}"
            return [
                Act(
                    data["user_id"],
                    "review",
                    _media(data),
                    rules.review_xp(data["length"]),
                    review,
                    frozenset({"reviews"}),
                )
            ]
        case "interaction.review_deleted" | "interaction.review_hidden":
            author = data["user_id"]
            if author is None:
                return []
            by = data.get("deleted_by", data.get("hidden_by"))
            return [
                Act(
                    author,
                    "review",
                    _media(data),
                    0,
                    None,
                    active=by == author,
                    reverses=f"review:{data['review_id']}",
                )
            ]
        case "interaction.review_liked" | "interaction.review_unliked":
            author, liker = data["author_id"], data["user_id"]
            if author is None or author == liker:
                return []
            liked = event_type == "interaction.review_liked"
            review = data["review_id"]
            return [
                Act(
                    author,
                    "review_liked",
                    f"review:{review}:by:{liker}",
                    rules.RULES["review_liked"].xp if liked else 0,
                    "liked" if liked else None,
                    frozenset({f"review_likes:{review}"}),
                    active=False,
                )
            ]
        case "ranking.vote_cast":
            return [
                Act(
                    data["user_id"],
                    "duel_vote",
                    f"duel:{data['duel_id']}",
                    rules.RULES["duel_vote"].xp,
                    data["outcome"],
                    frozenset({"duel_votes"}),
                )
            ]
        case "identity.followed" | "identity.unfollowed":
            follower, followee = data["follower_id"], data["followee_id"]
            on = event_type == "identity.followed"
            return [
                Act(
                    follower,
                    "follow",
                    f"user:{followee}",
                    rules.RULES["follow"].xp if on else 0,
                    "following" if on else None,
                    frozenset({"following"}),
                ),
                Act(
                    followee,
                    "followed_by",
                    f"user:{follower}",
                    0,
                    "followed" if on else None,
                    frozenset({"followers"}),
                    active=False,
                ),
            ]
        case "identity.signed_up":
            early = occurred_at < rules.EARLY_ADOPTERS_UNTIL
            return [
                Act(
                    data["user_id"],
                    "signed_up",
                    "account",
                    0,
                    "member",
                    frozenset({"early_adopter"}) if early else frozenset(),
                    active=False,
                )
            ]
    return []
