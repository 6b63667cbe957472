"""Whether the server can print Chinese: WeasyPrint draws with the system's fonts, and
without a CJK font it prints every Chinese character as an empty box, without an error.
So the Chinese PDFs ask first, and refuse in words rather than print a leaflet of boxes."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache

CJK_FAMILY = "Noto Sans CJK SC"  # Debian's fonts-noto-cjk, installed by `make fonts`


@cache
def cjk_font_installed() -> bool:
    """True if fontconfig knows the family the stylesheets name (asked once per process)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run(  # noqa: S603 - a fixed command, no user input
        [fc_list, f":family={CJK_FAMILY}", "family"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    return CJK_FAMILY in found.stdout


def needs_cjk(language: str) -> bool:
    return language.lower().startswith("zh")


MISSING_CJK = (
    "Chinese cannot be printed on this server yet: the Noto Sans CJK font is not installed "
    "(Debian package fonts-noto-cjk; `make fonts` installs it). The page itself can be read "
    "on screen in Chinese."
)
