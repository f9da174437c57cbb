"""Where to send a browser after sign-in: the page it asked for, never another site.

The ``next`` value is judged as a browser would read it, then rebuilt from its
parts, so what is checked is exactly what the ``Location`` header says. A URL
parser (WHATWG) ignores leading and trailing spaces and control characters,
drops tabs and newlines anywhere and reads a backslash as a slash: ``/\\t/evil``
and ``/\\evil`` are both ``//evil``, another host. Only a path on this site
passes — it starts with one slash, names no scheme or host, holds no control
characters or spaces, and does not turn into ``//`` (or ``/\\``) when
percent-decoded, however many times.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, unquote, urlsplit, urlunsplit

MAX_LENGTH = 2000
#: What WHATWG URL parsing strips from both ends: C0 controls and space.
_ENDS = "".join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
#: Characters kept as they are when the path and query are re-encoded.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


def local_path(raw: str | None) -> str | None:
    """``raw`` as a same-site path, ready for a Location header; None when it is anything else."""
    if not raw or len(raw) > MAX_LENGTH:
        return None
    text = _TAB_OR_NEWLINE.sub("", raw.strip(_ENDS)).replace("\\", "/")
    if _has_control_or_space(text) or text.startswith("//"):
        return None
    parts = urlsplit(text)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or _names_a_host(parts.path):
        return None
    return urlunsplit(("", "", quote(parts.path, safe=_PATH_SAFE), quote(parts.query, safe=_QUERY_SAFE), ""))


def _has_control_or_space(text: str) -> bool:
    """Any whitespace, or any character of Unicode's C categories (controls,
    format characters such as bidi overrides, surrogates, private use, unassigned)."""
    return any(c.isspace() or unicodedata.category(c).startswith("C") for c in text)


def _names_a_host(path: str) -> bool:
    """Whether the path, or any percent-decoding of it, starts like a scheme-relative URL."""
    for _ in range(5):
        if path.startswith("//") or _has_control_or_space(path):
            return True
        decoded = unquote(path).replace("\\", "/")
        if decoded == path:
            return False
        path = decoded
    return True  # still decoding after five rounds: nobody's real link
