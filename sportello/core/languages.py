"""Languages as people read them: a code ("it", "de") is shown by its name."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.utils import translation


def language_name(code: str | None) -> str:
    """A language code ("it", "de") as its name in the page's language ("Italiano",
    "Tedesco"); the code itself when Babel does not know it."""
    if not code:
        return ""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(
            translation.get_language() or settings.LANGUAGE_CODE
        )
    except (ValueError, UnknownLocaleError):
        return code
    return (name[:1].upper() + name[1:]) if name else code
