"""Signing schemes against stored vectors, checked by independent implementations.

The vectors in vectors/signing.json were computed with forgehooks and confirmed with the
`cryptography` package's HMAC and the `standardwebhooks` package's own signer; the tests
check all three agree on every run.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from forgehooks.core.signing import constant_time_equal, hmac_sha256_hex, standard_webhooks_signature

VECTORS: dict[str, list[dict[str, Any]]] = json.loads(
    (Path(__file__).parent / "vectors" / "signing.json").read_text(encoding="utf-8")
)


def independent_hmac_hex(key: bytes, message: bytes) -> str:
    mac = crypto_hmac.HMAC(key, hashes.SHA256())
    mac.update(message)
    return mac.finalize().hex()


@pytest.mark.parametrize("vector", VECTORS["hmac_sha256_hex"])
def test_hmac_sha256_hex_matches_its_vector(vector: dict[str, Any]) -> None:
    body = base64.b64decode(vector["body_b64"])
    assert hmac_sha256_hex(vector["secret"], body) == vector["expected"]
    assert independent_hmac_hex(vector["secret"].encode(), body) == vector["expected"]


@pytest.mark.parametrize("vector", VECTORS["standard_webhooks"])
def test_standard_webhooks_signature_matches_its_vector(vector: dict[str, Any]) -> None:
    body = base64.b64decode(vector["body_b64"])
    ours = standard_webhooks_signature(vector["secret"], vector["msg_id"], vector["timestamp"], body)
    assert ours == vector["expected"]
    at = datetime.fromtimestamp(vector["timestamp"], tz=UTC)
    assert Webhook(vector["secret"]).sign(vector["msg_id"], at, body.decode()) == vector["expected"]


@given(
    key=st.binary(min_size=16, max_size=64),
    msg_id=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=40),
    payload=st.dictionaries(st.text(max_size=20), st.text(max_size=60), max_size=5),
)
def test_any_signed_message_passes_the_standardwebhooks_verifier(
    key: bytes, msg_id: str, payload: dict[str, str]
) -> None:
    secret = "whsec_" + base64.b64encode(key).decode()
    stamp = int(datetime.now(UTC).timestamp())
    raw = json.dumps(payload, ensure_ascii=False).encode()
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": standard_webhooks_signature(secret, msg_id, stamp, raw),
    }
    assert Webhook(secret).verify(raw, headers) == payload
    tampered = raw + b" "
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, headers)


def test_constant_time_equal() -> None:
    assert constant_time_equal("abc", "abc")
    assert not constant_time_equal("abc", "abd")
