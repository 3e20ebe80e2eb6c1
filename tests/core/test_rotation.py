"""Secret rotation: which secrets sign when, and the two-signature header the reference library reads."""

from __future__ import annotations

import base64
import dataclasses
import time
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from forgehooks.core.hooks import Hook, signing_secrets
from forgehooks.core.signing import standard_webhooks_signature, standard_webhooks_signatures

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
OLD = "whsec_" + base64.b64encode(b"old-secret-0123456789abcdefghij").decode()
NEW = "whsec_" + base64.b64encode(b"new-secret-0123456789abcdefghij").decode()


def hook(**fields: object) -> Hook:
    base = Hook(
        id=1,
        uuid="u",
        project_id=1,
        dialect="forgehooks",
        created_at=NOW,
        updated_at=NOW,
        url="https://example.com/hook",
        secret=NEW,
    )
    return dataclasses.replace(base, **fields)  # type: ignore[arg-type]


def test_without_a_rotation_only_the_secret_signs() -> None:
    assert signing_secrets(hook(), NOW) == (NEW,)
    assert signing_secrets(hook(secret=""), NOW) == ()


def test_during_the_grace_period_new_then_old_sign_and_after_it_only_new() -> None:
    rotated = hook(previous_secret=OLD, previous_secret_until=NOW + timedelta(hours=24))
    assert signing_secrets(rotated, NOW) == (NEW, OLD)
    assert signing_secrets(rotated, NOW + timedelta(hours=24)) == (NEW,)
    assert signing_secrets(rotated, NOW + timedelta(hours=25)) == (NEW,)


def test_a_rotation_to_the_same_secret_signs_once() -> None:
    same = hook(previous_secret=NEW, previous_secret_until=NOW + timedelta(hours=1))
    assert signing_secrets(same, NOW) == (NEW,)


def test_two_signatures_are_space_separated_and_each_verifies_with_the_reference_library() -> None:
    body, msg_id, stamp = b'{"kind":"push"}', "msg_2a", int(time.time())
    header = standard_webhooks_signatures((NEW, OLD), msg_id, stamp, body)
    assert header == " ".join(
        (
            standard_webhooks_signature(NEW, msg_id, stamp, body),
            standard_webhooks_signature(OLD, msg_id, stamp, body),
        )
    )
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(stamp), "webhook-signature": header}
    assert Webhook(NEW).verify(body, headers) == {"kind": "push"}
    assert Webhook(OLD).verify(body, headers) == {"kind": "push"}
    stranger = "whsec_" + base64.b64encode(b"someone-else-0123456789abcdefgh").decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(stranger).verify(body, headers)
