"""One attempt's request and its log form: custom headers, URL variables, rotation, masking."""

from __future__ import annotations

import base64
import dataclasses
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from forgehooks.core.deliveries import DeliveryState, Outcome
from forgehooks.core.hooks import Hook, SecretScheme
from forgehooks.core.wire import CanonicalWire, OutgoingRequest
from forgehooks.dialects.gitcode_v4.wire import GitCodeV4Wire
from forgehooks.engine import attempt_log
from forgehooks.engine.attempts import MASK, Judged, prepare, record_of
from forgehooks.store.queue import Claimed

NOW = datetime.now(UTC)
OLD = "whsec_" + base64.b64encode(b"old-secret-0123456789abcdefghij").decode()
NEW = "whsec_" + base64.b64encode(b"new-secret-0123456789abcdefghij").decode()
BODY = b'{"kind":"push","n":1}'
CLAIMED = Claimed(
    id="dlv_1",
    hook_id=7,
    event_id="evt_1",
    event_kind="push",
    dialect="forgehooks",
    attempt_count=0,
    lease_token="lease",
    body=BODY,
)


def hook(**fields: object) -> Hook:
    base = Hook(
        id=7,
        uuid="u",
        project_id=3,
        dialect="forgehooks",
        created_at=NOW,
        updated_at=NOW,
        url="https://example.com/hook",
    )
    return dataclasses.replace(base, **fields)  # type: ignore[arg-type]


def header(headers: dict[str, str], name: str) -> list[str]:
    return [v for k, v in headers.items() if k.lower() == name.lower()]


def test_custom_headers_are_sent_and_masked_in_the_log_form() -> None:
    h = hook(custom_headers={"X-Team-Key": "k-123456", "Authorization": "Bearer abcdef"})
    request = prepare(CanonicalWire(), h, CLAIMED)
    assert request.headers["X-Team-Key"] == "k-123456"
    assert request.headers["Authorization"] == "Bearer abcdef"
    assert request.logged_headers["X-Team-Key"] == MASK
    assert request.logged_headers["Authorization"] == MASK
    assert request.logged_headers["X-Forgehooks-Delivery"] == "dlv_1"


@pytest.mark.parametrize(
    "name", ["x-gitcode-token", "X-GITCODE-EVENT", "content-type", "User-Agent", "webhook-signature", "Host"]
)
def test_a_custom_header_never_overrides_a_delivery_header(name: str) -> None:
    h = hook(
        dialect="gitcode_v4",
        secret="tok-secret",
        standard_webhooks=True,
        custom_headers={name: "evil-value"},
    )
    request = prepare(GitCodeV4Wire(), h, CLAIMED)
    assert "evil-value" not in request.headers.values()
    assert request.headers["X-GitCode-Token"] == "tok-secret"
    assert request.headers["X-GitCode-Event"] == "Push Hook"
    assert request.headers["Content-Type"] == "application/json"
    assert len(header(request.headers, name)) <= 1


def test_url_variables_are_expanded_for_sending_only() -> None:
    h = hook(
        url="https://{sub}.example.com/hook?key={api_key}", url_variables={"api_key": "K3Y", "sub": "ci"}
    )
    request = prepare(CanonicalWire(), h, CLAIMED)
    assert request.url == "https://ci.example.com/hook?key=K3Y"
    assert request.logged_url == "https://{sub}.example.com/hook?key={api_key}"


def test_the_record_keeps_no_secret_value_anywhere() -> None:
    h = hook(
        url="https://example.com/hook?key={api_key}",
        url_variables={"api_key": "url-var-secret"},
        custom_headers={"X-Custom": "header-secret"},
        secret="token-secret",
        secret_scheme=SecretScheme.TOKEN,
        previous_secret="old-token-secret",
        previous_secret_until=NOW + timedelta(hours=1),
    )
    request = prepare(CanonicalWire(), h, CLAIMED)
    echoed = "got url-var-secret, header-secret and token-secret and old-token-secret"
    outcome = Outcome(status=500, headers={"X-Echo": "header-secret"}, body=echoed, error="")
    judged = Judged(state=DeliveryState.QUEUED, next_attempt_at=NOW + timedelta(seconds=10))
    record = record_of(CLAIMED, h, request, outcome, judged, NOW)
    failed = record_of(CLAIMED, h, request, Outcome(error=f"invalid URL: {request.url}"), judged, NOW)
    text = json.dumps([dataclasses.asdict(record), dataclasses.asdict(failed)], default=str)
    for secret in ("url-var-secret", "header-secret", "token-secret"):
        assert secret not in text
    assert record.request_url == "https://example.com/hook?key={api_key}"
    assert record.request_headers["X-Custom"] == MASK
    assert record.request_headers["X-Forgehooks-Token"] == MASK


def test_the_fallback_request_of_a_failed_preparation_is_logged_unexpanded() -> None:
    h = hook(url="https://example.com/{path_secret}", url_variables={"path_secret": "p-s3cr3t"})
    bare = OutgoingRequest(url=h.url, headers={})
    judged = Judged(state=DeliveryState.FAILED, next_attempt_at=NOW)
    record = record_of(CLAIMED, h, bare, Outcome(error="boom p-s3cr3t"), judged, NOW)
    assert record.request_url == "https://example.com/{path_secret}"
    assert "p-s3cr3t" not in record.error


def verify(secret: str, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret).verify(BODY, headers)
    except WebhookVerificationError:
        return False
    return True


def test_during_a_rotation_receivers_with_either_secret_verify() -> None:
    h = hook(
        secret=NEW,
        standard_webhooks=True,
        previous_secret=OLD,
        previous_secret_until=datetime.now(UTC) + timedelta(hours=24),
    )
    request = prepare(CanonicalWire(), h, CLAIMED)
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert verify(NEW, request.headers) and verify(OLD, request.headers)


def test_after_the_grace_period_only_the_new_secret_verifies() -> None:
    h = hook(
        secret=NEW,
        standard_webhooks=True,
        previous_secret=OLD,
        previous_secret_until=datetime.now(UTC) - timedelta(seconds=1),
    )
    request = prepare(CanonicalWire(), h, CLAIMED)
    assert len(request.headers["webhook-signature"].split(" ")) == 1
    assert verify(NEW, request.headers) and not verify(OLD, request.headers)


def test_the_grace_period_is_judged_at_the_attempts_own_time() -> None:
    until = datetime.now(UTC) + timedelta(minutes=1)
    h = hook(secret=NEW, standard_webhooks=True, previous_secret=OLD, previous_secret_until=until)
    before = prepare(CanonicalWire(), h, CLAIMED, now=until.timestamp() - 1)
    after = prepare(CanonicalWire(), h, CLAIMED, now=until.timestamp() + 1)
    assert before.headers["webhook-signature"].count("v1,") == 2
    assert after.headers["webhook-signature"].count("v1,") == 1


def test_a_face_signature_stays_single_during_a_rotation() -> None:
    h = hook(
        dialect="gitcode_v4",
        secret="new-key",
        secret_scheme=SecretScheme.SIGNATURE,
        previous_secret="old-key",
        previous_secret_until=datetime.now(UTC) + timedelta(hours=1),
    )
    request = prepare(GitCodeV4Wire(), h, CLAIMED, now=time.time())
    assert request.headers["X-GitCode-Signature-256"].count("sha256=") == 1


def test_the_attempt_line_is_one_json_object_without_secrets() -> None:
    h = hook(
        url="https://example.com/hook?key={api_key}",
        url_variables={"api_key": "url-var-secret"},
        custom_headers={"X-Custom": "header-secret"},
        secret="token-secret",
    )
    request = prepare(CanonicalWire(), h, CLAIMED)
    judged = Judged(state=DeliveryState.QUEUED, next_attempt_at=NOW + timedelta(seconds=30))
    record = record_of(CLAIMED, h, request, Outcome(status=503, body="token-secret"), judged, NOW)
    line = attempt_log.attempt_line(CLAIMED, h, record)
    assert "\n" not in line
    fields = json.loads(line)
    assert fields == {
        "at": NOW.isoformat(),
        "delivery_id": "dlv_1",
        "event_id": "evt_1",
        "hook_id": 7,
        "project_id": 3,
        "dialect": "forgehooks",
        "event_kind": "push",
        "attempt": 1,
        "url": "https://example.com/hook?key={api_key}",
        "status": 503,
        "verdict": "retry",
        "duration_ms": 0.0,
        "error": None,
        "state": "queued",
        "next_attempt_at": (NOW + timedelta(seconds=30)).isoformat(),
    }
    for secret in ("url-var-secret", "header-secret", "token-secret"):
        assert secret not in line
