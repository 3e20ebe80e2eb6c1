"""Console: a hook's own CA bundle and client certificate, set, kept, replaced and cleared from
its page with the API's checks; the page says what is set and never shows the private key."""

from __future__ import annotations

import html

import httpx
import trustme
from cryptography import x509

from forgehooks.core.hooks import Hook
from forgehooks.services import hook_tls, hooks
from forgehooks.services.runtime import Runtime
from forgehooks.store.hooks import HookRepository
from tests.conftest import Seed
from tests.console.conftest import csrf_of


def _crlf(pem: str) -> str:
    """A pasted PEM as a browser posts a text area: CRLF line ends."""
    return pem.replace("\n", "\r\n")


async def test_tls_is_set_kept_replaced_and_cleared_from_the_hook_page(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook
) -> None:
    page_url = f"/-/projects/{seed.project.id}/hooks/{hook.id}"
    page = await console.get(page_url)
    assert "<dt>CA bundle</dt><dd>not set (the system's CAs)</dd>" in page.text
    assert "<dt>Client certificate</dt><dd>not set</dd>" in page.text
    assert 'aria-label="Clear TLS settings"' not in page.text
    csrf = csrf_of(page.text)
    ca, client_ca = trustme.CA(), trustme.CA()
    mine = client_ca.issue_cert("worker.example")
    ca_pem = ca.cert_pem.bytes().decode()
    cert = mine.cert_chain_pems[0].bytes().decode()
    key = mine.private_key_pem.bytes().decode()
    data = {
        "csrf_token": csrf,
        "ca_bundle": _crlf(ca_pem),
        "client_cert": _crlf(cert),
        "client_key": _crlf(key),
    }
    r = await console.post(f"{page_url}/tls", data=data)
    assert r.status_code == 303 and r.headers["location"] == f"{page_url}?tls=1"
    saved = hook_tls.shown(await hooks.get_hook(runtime, seed.project, hook.id))
    assert saved.ca_bundle == ca_pem and saved.client_cert == cert and saved.has_client_key
    shown = (await console.get(r.headers["location"])).text
    assert "The TLS settings are saved" in shown
    assert "<dt>CA bundle</dt><dd>set, 1 certificate</dd>" in shown
    subject = x509.load_pem_x509_certificate(cert.encode()).subject.rfc4514_string()
    assert f"<dd>set, <code>{html.escape(subject)}</code>, with its key</dd>" in shown
    async with runtime.db.reading() as conn:
        raw = await HookRepository(conn, runtime.box).get(hook.id)
    assert raw is not None
    cipher = raw.extras[hook_tls.EXTRA]["client_key"]
    assert "PRIVATE KEY" not in shown and cipher not in shown  # neither the key nor its cipher text
    # the key left empty with the same certificate keeps the stored key; the CA is replaced
    other_ca = trustme.CA()
    both = ca_pem + other_ca.cert_pem.bytes().decode()
    data = {"csrf_token": csrf, "ca_bundle": _crlf(both), "client_cert": _crlf(cert), "client_key": ""}
    assert (await console.post(f"{page_url}/tls", data=data)).status_code == 303
    async with runtime.db.reading() as conn:
        stored = await HookRepository(conn, runtime.box).get(hook.id)
    assert stored is not None and hook_tls.kept_key(runtime, stored, cert) == key
    assert "set, 2 certificates" in (await console.get(page_url)).text
    cleared = await console.post(f"{page_url}/tls", data={"csrf_token": csrf, "clear": "true"})
    assert cleared.status_code == 303
    assert hook_tls.shown(await hooks.get_hook(runtime, seed.project, hook.id)) == hook_tls.HookTls()


async def test_unusable_tls_material_is_a_400_naming_the_field_and_nothing_is_saved(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook
) -> None:
    page_url = f"/-/projects/{seed.project.id}/hooks/{hook.id}"
    csrf = csrf_of((await console.get(page_url)).text)
    client_ca = trustme.CA()
    mine, other = client_ca.issue_cert("a.example"), client_ca.issue_cert("b.example")
    cert = mine.cert_chain_pems[0].bytes().decode()
    cases = {
        "ca_bundle": {"ca_bundle": "not a certificate"},
        "client_key": {"client_cert": cert},  # a certificate without its key (none stored)
        "client_cert": {"client_key": mine.private_key_pem.bytes().decode()},
    }
    mismatch = {"client_cert": cert, "client_key": other.private_key_pem.bytes().decode()}
    for field, fields in [*cases.items(), ("client_key", mismatch)]:
        r = await console.post(f"{page_url}/tls", data={"csrf_token": csrf, **fields})
        assert r.status_code == 400 and field in r.text, (field, r.text)
    assert await hooks.get_hook(runtime, seed.project, hook.id) == hook
