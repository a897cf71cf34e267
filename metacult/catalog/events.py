"""Catalog's domain events: titles that arrived or changed, imports that were asked for."""

from __future__ import annotations

from typing import Literal

import pydantic

from metacult.catalog.taxonomy import Kind
from metacult.infra.events import EventType


class MediaPayload(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    media_id: int
    kind: Kind


class ImportPayload(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    import_id: int
    provider: Literal["tmdb", "igdb"]
    kind: Kind


MEDIA_IMPORTED = EventType(
    "catalog.media_imported", MediaPayload, summary="A title entered the catalogue."
)
MEDIA_UPDATED = EventType(
    "catalog.media_updated",
    MediaPayload,
    summary="A provider's refresh changed a title's facts.",
)
IMPORT_REQUESTED = EventType(
    "catalog.import_requested",
    ImportPayload,
    summary="An administrator asked for an import of provider pages; a worker runs it.",
)


class SeasonPayload(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    media_id: int
    season_number: int


SEASON_ADDED = EventType(
    "catalog.season_added",
    SeasonPayload,
    summary="A provider's refresh brought a new season of a series already in the catalogue.",
)
