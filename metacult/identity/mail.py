"""The mails identity sends, in English and French, as plain text and HTML (no I/O).

Each message is a subject, a greeting, a few paragraphs and at most one link; the
HTML part says the same as the text part, with the link as a button.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from metacult.infra.mail import Mail

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"


def language_of(accept_language: str | None) -> str:
    """The first supported language of an ``Accept-Language`` header, by quality."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


@dataclass(frozen=True, slots=True)
class Template:
    subject: str
    paragraphs: tuple[str, ...]
    button: str = ""


GREETING = {"en": "Hello {name},", "fr": "Bonjour {name},"}
SIGNATURE = {"en": "— The Metacult team", "fr": "— L'équipe Metacult"}
LINK_FALLBACK = {
    "en": "If the button does not work, paste this address into your browser:",
    "fr": "Si le bouton ne fonctionne pas, collez cette adresse dans votre navigateur :",
}

TEMPLATES: dict[str, dict[str, Template]] = {
    "verify_email": {
        "en": Template(
            "Confirm your email address",
            (
                "Welcome to Metacult! Please confirm that {email} is your address.",
                "This link works once, for 24 hours. If you did not sign up, ignore this mail.",
            ),
            "Confirm my address",
        ),
        "fr": Template(
            "Confirmez votre adresse e-mail",
            (
                "Bienvenue sur Metacult ! Confirmez que {email} est bien votre adresse.",
                "Ce lien fonctionne une fois, pendant 24 heures. Si vous ne vous êtes pas "
                "inscrit, ignorez ce message.",
            ),
            "Confirmer mon adresse",
        ),
    },
    "reset_password": {
        "en": Template(
            "Reset your Metacult password",
            (
                "Someone asked to reset the password of your account ({email}).",
                "This link works once, for one hour. If it was not you, ignore this mail: "
                "your password stays as it is.",
            ),
            "Choose a new password",
        ),
        "fr": Template(
            "Réinitialisez votre mot de passe Metacult",
            (
                "Quelqu'un a demandé à réinitialiser le mot de passe de votre compte ({email}).",
                "Ce lien fonctionne une fois, pendant une heure. Si ce n'était pas vous, "
                "ignorez ce message : votre mot de passe ne change pas.",
            ),
            "Choisir un nouveau mot de passe",
        ),
    },
    "password_changed": {
        "en": Template(
            "Your Metacult password was changed",
            (
                "The password of your account ({email}) was just changed, and your other "
                "devices were signed out.",
                "If it was not you, reset your password at once and check your devices.",
            ),
        ),
        "fr": Template(
            "Votre mot de passe Metacult a été changé",
            (
                "Le mot de passe de votre compte ({email}) vient d'être changé, et vos autres "
                "appareils ont été déconnectés.",
                "Si ce n'était pas vous, réinitialisez votre mot de passe tout de suite et "
                "vérifiez vos appareils.",
            ),
        ),
    },
    "change_email": {
        "en": Template(
            "Confirm your new email address",
            (
                "You asked to use {email} for your Metacult account.",
                "Confirm it with this link (it works once, for 24 hours). Until then your "
                "old address stays in use.",
            ),
            "Use this address",
        ),
        "fr": Template(
            "Confirmez votre nouvelle adresse e-mail",
            (
                "Vous avez demandé à utiliser {email} pour votre compte Metacult.",
                "Confirmez-la avec ce lien (il fonctionne une fois, pendant 24 heures). "
                "D'ici là, votre ancienne adresse reste utilisée.",
            ),
            "Utiliser cette adresse",
        ),
    },
    "email_changed": {
        "en": Template(
            "Your Metacult email address was changed",
            (
                "Your account now uses {email} instead of this address.",
                "If it was not you, reply to this mail so that we can help you recover it.",
            ),
        ),
        "fr": Template(
            "Votre adresse e-mail Metacult a été changée",
            (
                "Votre compte utilise désormais {email} au lieu de cette adresse.",
                "Si ce n'était pas vous, répondez à ce message pour que nous vous aidions "
                "à le récupérer.",
            ),
        ),
    },
    "two_factor_changed": {
        "en": Template(
            "Two-factor sign-in was turned {state}",
            ("Two-factor sign-in was just turned {state} on your account ({email}).",),
        ),
        "fr": Template(
            "La connexion en deux étapes a été {state}",
            ("La connexion en deux étapes vient d'être {state} sur votre compte ({email}).",),
        ),
    },
}

TWO_FACTOR_STATES = {
    "en": {"on": "on", "off": "off"},
    "fr": {"on": "activée", "off": "désactivée"},
}


def render(
    kind: str,
    language: str,
    *,
    to: str,
    name: str,
    link: str = "",
    **values: str,
) -> Mail:
    """The mail ``kind`` in ``language`` to ``to``; ``values`` fill the template."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    template = TEMPLATES[kind][language]
    values.setdefault("email", to)
    subject = template.subject.format(**values)
    paragraphs = [p.format(**values) for p in template.paragraphs]
    greeting = GREETING[language].format(name=name)
    text_parts = [greeting, *paragraphs]
    if link:
        text_parts.insert(2, f"{template.button}: {link}")
    text_parts.append(SIGNATURE[language])
    text = "\n\n".join(text_parts) + "\n"
    return Mail(
        to=to,
        subject=subject,
        text=text,
        html=_html(language, greeting, paragraphs, template.button, link),
        kind=kind,
    )


def _html(language: str, greeting: str, paragraphs: list[str], button: str, link: str) -> str:
    escape = html.escape
    body = [f"<p>{escape(greeting)}</p>"]
    body.append(f"<p>{escape(paragraphs[0])}</p>")
    if link:
        href = escape(link, quote=True)
        body.append(
            f'<p><a href="{href}" style="display:inline-block;padding:12px 20px;'
            "background:#7c3aed;color:#ffffff;border-radius:8px;text-decoration:none;"
            f'font-weight:bold">{escape(button)}</a></p>'
        )
        body.append(
            f'<p style="font-size:13px;color:#555">{escape(LINK_FALLBACK[language])}<br>'
            f'<a href="{href}">{escape(link)}</a></p>'
        )
    body.extend(f"<p>{escape(p)}</p>" for p in paragraphs[1:])
    body.append(f"<p>{escape(SIGNATURE[language])}</p>")
    return (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8"></head>'
        '<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111">'
        + "".join(body)
        + "</body></html>"
    )
