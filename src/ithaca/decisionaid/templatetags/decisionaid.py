"""`tr`: translate a text that comes from the data file or a stored record.

Django's {% translate variable %} doubles every percent sign before the lookup, so a
sentence such as "0.9% (95% CI 0.1-3.3%)" would need a doubled msgid in the .po; this
filter looks the text up as it is, and shows it unchanged when no translation exists.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()


@register.filter
def tr(text: object) -> str:
    value = str(text) if text is not None else ""
    return gettext(value) if value else ""


@register.filter
def css_string(text: object) -> str:
    """Text safe inside a double-quoted CSS string in a <style> block (the page footer of
    the printed summary). HTML escaping does not apply there, and escapejs writes \\u002D,
    which CSS does not read; CSS escapes are a backslash, the hex code and a space."""
    value = " ".join(str(text).split())
    escaped = "".join(f"\\{ord(c):X} " if c in '\\"<>&' else c for c in value)
    return mark_safe(escaped)  # noqa: S308 - every character that could end the string or the block is escaped above
