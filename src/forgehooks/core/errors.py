"""The domain error tree. Each face renders these in its own documented error shape.

ForgehooksError
├── Unauthenticated      no, wrong, expired or revoked credential (401)
├── PermissionDenied     authenticated, but lacking the role (403)
├── NotFound             unknown project, hook, delivery, ... (404)
├── Conflict             a unique identity already taken (409)
├── InvalidInput         a field fails validation; names the field (400/422)
│   └── MethodNotAllowed the path exists, but not with this method (405)
├── LimitExceeded        a quota such as hooks per project (422)
├── RateLimited          too many calls; carries retry_after seconds (429)
├── PayloadTooLarge      a request body over the size limit (413)
└── Unavailable          the database is unreachable or full; try again later (503)
"""

from __future__ import annotations


class ForgehooksError(Exception):
    """Base of every error a face may turn into a 4xx answer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthenticated(ForgehooksError):
    """The request carries no valid credential."""


class PermissionDenied(ForgehooksError):
    """The caller is known but may not do this."""


class NotFound(ForgehooksError):
    """The named thing does not exist (or is not visible to the caller)."""


class Conflict(ForgehooksError):
    """The thing to create already exists."""


class InvalidInput(ForgehooksError):
    """A field of the request is missing or malformed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.reason = message


class InvalidItems(InvalidInput):
    """Items of a batch are malformed; the batch is refused whole. Each problem is (the item's
    index, the field within it, what is wrong)."""

    def __init__(self, field: str, problems: list[tuple[int, str, str]]) -> None:
        shown = "; ".join(f"[{i}] {f + ': ' if f else ''}{m}" for i, f, m in problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(field, f"{len(problems)} bad item(s), nothing was published: {shown}{more}")
        self.problems = problems


class MethodNotAllowed(InvalidInput):
    """The path is served, but not with this HTTP method; every face answers 405."""

    def __init__(self, method: str) -> None:
        super().__init__("", f"405 Method Not Allowed: {method}")


class LimitExceeded(ForgehooksError):
    """A configured quota would be exceeded."""


class RateLimited(ForgehooksError):
    """Too many calls in a window."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PayloadTooLarge(ForgehooksError):
    """The request body is over the configured size limit."""


class Unavailable(ForgehooksError):
    """The store cannot take the request now (database down, restarting or full).

    Nothing was half-written: the transaction was rolled back as a whole.
    """

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after
