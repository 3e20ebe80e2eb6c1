"""Hide secrets before the console shows them: URL passwords and query values, token headers."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

MASK = "*****"

#: Header names whose values are credentials (compared lower-cased, by substring).
SECRET_HEADER_WORDS = ("token", "authorization", "secret", "password", "cookie", "api-key")


def mask_url(url: str) -> str:
    """The URL with its password and every query value replaced by asterisks."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return MASK
    netloc = parts.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if port is not None:
        netloc = f"{netloc}:{port}"
    if parts.username is not None:
        user = quote(parts.username, safe="")
        netloc = f"{user}:{MASK}@{netloc}" if parts.password is not None else f"{user}@{netloc}"
    query = "&".join(f"{quote(k, safe='')}={MASK}" for k, _ in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def mask_headers(headers: Mapping[str, str], secret: str = "") -> list[tuple[str, str]]:
    """Headers in order; credential headers masked, and the hook's secret hidden wherever it appears."""
    shown: list[tuple[str, str]] = []
    for name, value in headers.items():
        text = str(value)
        if any(word in name.lower() for word in SECRET_HEADER_WORDS):
            text = MASK
        elif secret and secret in text:
            text = text.replace(secret, MASK)
        shown.append((name, text))
    return shown
