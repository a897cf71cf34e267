"""VAST 4.2 documents (IAB), pure: an InLine ad for a video creative, a Wrapper pointing to
a network's tag, or the empty ``<VAST/>`` when nothing is eligible."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from metacult.marketing.rules import Campaign

VERSION = "4.2"
AD_SYSTEM = "Metacult"
TRACKED = ("start", "firstQuartile", "midpoint", "thirdQuartile", "complete")


def _duration(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = text
    return element


def empty() -> bytes:
    return ET.tostring(ET.Element("VAST", version=VERSION), xml_declaration=True, encoding="UTF-8")


def document(campaign: Campaign, *, tracking_url: str, click_url: str) -> bytes:
    """``tracking_url`` takes ``?event=``; ``click_url`` is the campaign's signed link."""
    root = ET.Element("VAST", version=VERSION)
    ad = ET.SubElement(root, "Ad", id=str(campaign.id))
    if campaign.vast_tag_url is not None:
        wrapper = ET.SubElement(ad, "Wrapper")
        _text(wrapper, "AdSystem", AD_SYSTEM)
        _text(wrapper, "Impression", f"{tracking_url}?event=impression", id="metacult")
        _text(wrapper, "VASTAdTagURI", campaign.vast_tag_url)
        return ET.tostring(root, xml_declaration=True, encoding="UTF-8")
    inline = ET.SubElement(ad, "InLine")
    _text(inline, "AdSystem", AD_SYSTEM)
    _text(inline, "AdTitle", campaign.title)
    _text(inline, "Advertiser", campaign.advertiser)
    _text(inline, "Impression", f"{tracking_url}?event=impression", id="metacult")
    creatives = ET.SubElement(inline, "Creatives")
    creative = ET.SubElement(
        creatives, "Creative", id=f"{campaign.id}-video", adId=str(campaign.id)
    )
    linear = ET.SubElement(creative, "Linear")
    _text(linear, "Duration", _duration(campaign.video_duration_s or 0))
    media_files = ET.SubElement(linear, "MediaFiles")
    _text(
        media_files,
        "MediaFile",
        campaign.video_url or "",
        delivery="progressive",
        type=campaign.video_mime or "video/mp4",
        width=str(campaign.video_width or 1280),
        height=str(campaign.video_height or 720),
    )
    events = ET.SubElement(linear, "TrackingEvents")
    for event in TRACKED:
        _text(events, "Tracking", f"{tracking_url}?event={event}", event=event)
    clicks = ET.SubElement(linear, "VideoClicks")
    _text(clicks, "ClickThrough", click_url, id="metacult")
    return ET.tostring(root, xml_declaration=True, encoding="UTF-8")
