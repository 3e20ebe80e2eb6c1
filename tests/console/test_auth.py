"""Console sign-in: a personal access token in an HttpOnly SameSite cookie, CSRF on every form,
and projects visible to their members only."""

from __future__ import annotations

import httpx

from forgehooks.core.hooks import Hook
from forgehooks.core.projects import Role
from forgehooks.services import accounts, deliveries, projects
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed, member
from tests.console.conftest import csrf_of, deliver, publish, sign_in


async def test_pages_without_a_session_redirect_to_sign_in(client: httpx.AsyncClient, seed: Seed) -> None:
    home = await client.get("/")
    assert home.status_code == 303 and home.headers["location"] == "/-/projects"
    r = await client.get(f"/-/projects/{seed.project.id}/events?page=2")
    assert r.status_code == 303
    target = f"%2F-%2Fprojects%2F{seed.project.id}%2Fevents%3Fpage%3D2"
    assert r.headers["location"] == f"/-/sign-in?next={target}"


async def test_sign_in_keeps_the_token_in_an_httponly_lax_cookie(
    client: httpx.AsyncClient, seed: Seed
) -> None:
    form = await client.get("/-/sign-in?next=/-/projects/1")
    assert form.status_code == 200
    assert '<label for="token">' in form.text
    r = await client.post(
        "/-/sign-in",
        data={"token": seed.token, "csrf_token": csrf_of(form.text), "next": "/-/projects/1"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/-/projects/1"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("forgehooks_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    page = await client.get("/-/projects")
    assert page.status_code == 200 and "acme/widgets" in page.text
    assert "Signed in as <strong>alice</strong>" in page.text


async def test_a_wrong_token_shows_the_form_again(client: httpx.AsyncClient, seed: Seed) -> None:
    form = await client.get("/-/sign-in")
    r = await client.post("/-/sign-in", data={"token": "nope", "csrf_token": csrf_of(form.text)})
    assert r.status_code == 401
    assert 'role="alert"' in r.text and "invalid token" in r.text
    assert "forgehooks_session" not in r.headers.get("set-cookie", "")
    assert (await client.get("/-/projects")).status_code == 303


async def test_sign_in_without_its_csrf_value_is_refused(client: httpx.AsyncClient, seed: Seed) -> None:
    r = await client.post("/-/sign-in", data={"token": seed.token})
    assert r.status_code == 403
    assert "forgehooks_session" not in r.headers.get("set-cookie", "")
    await client.get("/-/sign-in")
    r = await client.post("/-/sign-in", data={"token": seed.token, "csrf_token": "forged"})
    assert r.status_code == 403


async def test_an_offsite_next_is_not_followed(client: httpx.AsyncClient, seed: Seed) -> None:
    form = await client.get("/-/sign-in")
    data = {"token": seed.token, "csrf_token": csrf_of(form.text), "next": "//evil.example/x"}
    r = await client.post("/-/sign-in", data=data)
    assert r.headers["location"] == "/-/projects"


async def test_posts_without_the_session_csrf_token_are_403(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook
) -> None:
    await publish(runtime, seed.project, seed.user)
    await deliver(runtime, seed.project)
    (delivery,), _ = await deliveries.list_deliveries(runtime, seed.project)
    resend = f"/-/projects/{seed.project.id}/deliveries/{delivery.id}/resend"
    assert (await console.post(resend)).status_code == 403
    r = await console.post(resend, data={"csrf_token": "0" * 64})
    assert r.status_code == 403 and "CSRF" in r.text
    reenable = f"/-/projects/{seed.project.id}/hooks/{hook.id}/reenable"
    assert (await console.post(reenable, data={})).status_code == 403
    assert (await console.post("/-/sign-out")).status_code == 403
    after = await deliveries.get_delivery(runtime, seed.project, delivery.id)
    assert after.delivery.state == delivery.state and len(after.attempts) == 1


async def test_sign_out_forgets_the_session(console: httpx.AsyncClient) -> None:
    page = await console.get("/-/projects")
    r = await console.post("/-/sign-out", data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 303
    assert (await console.get("/-/projects")).status_code == 303


async def test_other_users_projects_are_404(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook
) -> None:
    await publish(runtime, seed.project, seed.user)
    (delivery,), _ = await deliveries.list_deliveries(runtime, seed.project)
    bob = await member(runtime, seed, "bob", None)
    bob_user = await accounts.find_user(runtime, "bob")
    await projects.create_project(runtime, bob_user, "bob/tools")
    await sign_in(client, bob)
    listing = await client.get("/-/projects")
    assert "bob/tools" in listing.text and "acme/widgets" not in listing.text
    base = f"/-/projects/{seed.project.id}"
    for path in (base, f"{base}/events", f"{base}/hooks/{hook.id}", f"{base}/deliveries/{delivery.id}"):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert "Not found" in r.text
    r = await client.post(
        f"{base}/deliveries/{delivery.id}/resend", data={"csrf_token": csrf_of(listing.text)}
    )
    assert r.status_code == 404


async def test_an_admin_sees_every_project(client: httpx.AsyncClient, runtime: Runtime, seed: Seed) -> None:
    admin = await accounts.create_user(runtime, "root", is_admin=True)
    await sign_in(client, (await accounts.issue_token(runtime, admin)).value)
    listing = (await client.get("/-/projects")).text
    assert "acme/widgets" in listing
    assert '<strong>root</strong> <span class="badge">administrator</span>' in listing
    assert "(admin)" not in listing
    assert (await client.get(f"/-/projects/{seed.project.id}")).status_code == 200


async def test_a_reporter_reads_but_cannot_resend(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook
) -> None:
    await publish(runtime, seed.project, seed.user)
    await deliver(runtime, seed.project)
    (delivery,), _ = await deliveries.list_deliveries(runtime, seed.project)
    await sign_in(client, await member(runtime, seed, "rita", Role.REPORTER))
    page = await client.get(f"/-/projects/{seed.project.id}/deliveries/{delivery.id}")
    assert page.status_code == 200 and ">Resend</button>" not in page.text
    r = await client.post(
        f"/-/projects/{seed.project.id}/deliveries/{delivery.id}/resend",
        data={"csrf_token": csrf_of(page.text)},
    )
    assert r.status_code == 403
