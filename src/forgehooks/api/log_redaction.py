"""Credentials never reach a log line: query-string tokens (`access_token`, Codeup's
`AccessToken`, GitLab's `private_token`) are masked in every record of the access log and
of forgehooks' own loggers, as GitLab filters `private_token` from its request logs."""

from __future__ import annotations

import logging
import re

from forgehooks.core.hooks import MASK

#: A credential parameter and its value in a URL or query string.
CREDENTIAL = re.compile(r"(?i)\b(access_?token|private_token|private-token)=[^&\s\"']*")
#: The loggers whose records may carry a request's URL.
LOGGERS = ("uvicorn.access", "uvicorn.error", "forgehooks")


def redacted(text: str) -> str:
    """`text` with every credential parameter's value masked."""
    if "oken=" not in text.lower():
        return text
    return CREDENTIAL.sub(lambda m: f"{m.group(1)}={MASK}", text)


class RedactCredentials(logging.Filter):
    """Masks credential parameters in a record's message and its arguments (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; always keep it."""
        if isinstance(record.msg, str):
            record.msg = redacted(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redacted(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redacted(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


FILTER = RedactCredentials()


def install() -> None:
    """Add the filter to each logger that may log a URL and to every handler those loggers
    and the root write through (a logger's filter does not see its children's records; a
    handler's does). Once each; safe to call again."""
    loggers = [logging.getLogger(name) for name in LOGGERS] + [logging.getLogger()]
    for logger in loggers:
        for target in (logger, *logger.handlers):
            if FILTER not in target.filters:
                target.addFilter(FILTER)
