"""A hook's own TLS trust and identity: a CA bundle and a client certificate (mutual TLS).

Kept in the hook's `extras` under one key: the certificates as PEM text (public), the
private key encrypted with the service's secret key like every other hook secret. The
worker reads them back with `engine.attempts.tls_material`. Shown without the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from forgehooks.core.errors import InvalidInput
from forgehooks.core.hooks import Hook
from forgehooks.core.projects import Project
from forgehooks.engine.attempts import TLS_EXTRA
from forgehooks.services import hooks
from forgehooks.services.runtime import Runtime

MAX_PEM = 256 * 1024  # a CA bundle of a few hundred certificates fits; no more is stored
#: The key of `Hook.extras` these settings live under (pages show them apart, never raw).
EXTRA: str = TLS_EXTRA


@dataclass(frozen=True, slots=True, kw_only=True)
class HookTls:
    """What a hook trusts and presents, as shown (the private key never is)."""

    ca_bundle: str = ""
    client_cert: str = ""
    has_client_key: bool = False

    @property
    def ca_count(self) -> int:
        """How many certificates the CA bundle holds (0: the system's CAs are trusted)."""
        return len(x509.load_pem_x509_certificates(self.ca_bundle.encode())) if self.ca_bundle else 0

    @property
    def client_subject(self) -> str:
        """The client certificate's subject, as RFC 4514 text ("" when there is none)."""
        if not self.client_cert:
            return ""
        return x509.load_pem_x509_certificates(self.client_cert.encode())[0].subject.rfc4514_string()


def _certificates(field: str, pem: str) -> list[x509.Certificate]:
    if len(pem) > MAX_PEM:
        raise InvalidInput(field, f"at most {MAX_PEM} bytes of PEM")
    try:
        found = x509.load_pem_x509_certificates(pem.encode())
    except ValueError as exc:
        raise InvalidInput(field, "must be PEM certificates (-----BEGIN CERTIFICATE-----)") from exc
    return found


def _private_key(pem: str) -> PrivateKeyTypes:
    if len(pem) > MAX_PEM:
        raise InvalidInput("client_key", f"at most {MAX_PEM} bytes of PEM")
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except TypeError as exc:
        raise InvalidInput("client_key", "must not be encrypted (it is stored encrypted)") from exc
    except ValueError as exc:
        raise InvalidInput("client_key", "must be a PEM private key") from exc
    return key


def validated(ca_bundle: str, client_cert: str, client_key: str) -> None:
    """Refuse material libcurl could not use: bad PEM, a key without its certificate (or the
    reverse), a key that is not the certificate's."""
    if ca_bundle:
        _certificates("ca_bundle", ca_bundle)
    if bool(client_cert) != bool(client_key):
        raise InvalidInput(
            "client_key" if client_cert else "client_cert", "a client certificate needs its key"
        )
    if client_cert:
        leaf = _certificates("client_cert", client_cert)[0]
        key = _private_key(client_key)
        public = serialization.PublicFormat.SubjectPublicKeyInfo
        encoding = serialization.Encoding.DER
        if key.public_key().public_bytes(encoding, public) != leaf.public_key().public_bytes(
            encoding, public
        ):
            raise InvalidInput("client_key", "is not the key of the client certificate")


def shown(hook: Hook) -> HookTls:
    """The hook's TLS settings as the API shows them."""
    stored: dict[str, Any] = dict(hook.extras.get(TLS_EXTRA) or {})
    return HookTls(
        ca_bundle=str(stored.get("ca_bundle", "")),
        client_cert=str(stored.get("client_cert", "")),
        has_client_key=bool(stored.get("client_key")),
    )


async def set_tls(
    rt: Runtime, project: Project, hook: Hook, *, ca_bundle: str, client_cert: str, client_key: str
) -> Hook:
    """Replace the hook's TLS settings (all empty: back to the system's CAs, no client certificate)."""
    validated(ca_bundle, client_cert, client_key)
    extras = {k: v for k, v in hook.extras.items() if k != TLS_EXTRA}
    if ca_bundle or client_cert:
        extras[TLS_EXTRA] = {
            "ca_bundle": ca_bundle,
            "client_cert": client_cert,
            "client_key": rt.box.encrypt(client_key) if client_key else "",
        }
    return await hooks.update_hook(rt, project, hook, {"extras": extras})


def kept_key(rt: Runtime, hook: Hook, client_cert: str) -> str:
    """The stored private key, decrypted, when `client_cert` is the certificate already stored
    (a form that never shows the key sends it empty to keep it); "" otherwise."""
    stored: dict[str, Any] = dict(hook.extras.get(TLS_EXTRA) or {})
    key = str(stored.get("client_key") or "")
    if not key or not client_cert or client_cert.strip() != str(stored.get("client_cert", "")).strip():
        return ""
    return rt.box.decrypt(key)
