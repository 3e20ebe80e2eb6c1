"""The console in a real browser: Debian's Chromium driven by Playwright signs in, opens a hook,
reads a delivery a real receiver answered, presses Resend and watches the new attempt appear."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trustme
from playwright.async_api import Browser, Page, Route, async_playwright, expect

from forgehooks.config import Settings
from forgehooks.core.deliveries import DeliveryState
from forgehooks.core.events import EventKind, RefBody
from forgehooks.core.hooks import Hook, HookSpec
from forgehooks.services import deliveries, events, hook_tls, hooks
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed
from tests.receivers import Receiver, Reply
from tests.servers import LiveServer

# the console reads through the services, whose backends the rest of the suite covers: one is enough here
pytestmark = [
    pytest.mark.browser,
    pytest.mark.e2e,
    pytest.mark.parametrize("settings", ["sqlite"], indirect=True),
]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium() -> Path:
    """Debian's Chromium, which `make chromium` (run by `make test`) installs; tests install nothing."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (apt-get install -y chromium) first")
    return CHROMIUM


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium for one test."""
    executable = chromium()
    async with async_playwright() as driver:
        launched = await driver.chromium.launch(
            executable_path=str(executable), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


async def _delivered_hook(runtime: Runtime, seed: Seed, receiver: Receiver) -> Hook:
    """A hook on the receiver and one push the live server's worker has delivered."""
    spec = HookSpec(url=f"{receiver.url}/ci?token=t0ps3cret", events=frozenset(EventKind), name="ci-receiver")
    hook = await hooks.create_hook(runtime, seed.project, spec, "forgehooks")
    body = RefBody(ref="refs/heads/main", before="1" * 40, after="2" * 40)
    await events.publish(
        runtime, events.build_event(runtime, seed.project, EventKind.PUSH, body, events.actor_of(seed.user))
    )
    await receiver.await_count(1, timeout=20)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found, _ = await deliveries.list_deliveries(runtime, seed.project, state=DeliveryState.SUCCEEDED)
        if found:
            return hook
        await asyncio.sleep(0.05)
    raise AssertionError("the delivery was not recorded as succeeded")


async def _sign_in(page: Page, base: str, token: str) -> None:
    await page.goto(f"{base}/")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.get_by_label("Personal access token").fill(token)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Projects")).to_be_visible()


async def test_sign_in_open_a_hook_and_resend_a_delivery(
    browser: Browser,
    live_server: LiveServer,
    runtime: Runtime,
    seed: Seed,
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    await _delivered_hook(runtime, seed, receiver)
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await _sign_in(page, live_server.url, seed.token)
    await page.get_by_role("link", name="acme/widgets").click()
    await expect(page.get_by_role("heading", name="Hooks")).to_be_visible()
    await expect(page.get_by_text("ci?token=*****")).to_be_visible()
    await expect(page.get_by_role("img", name="1 delivery in the last hour")).to_be_visible()
    await page.get_by_role("link", name="ci-receiver").click()
    row = page.get_by_role("row").filter(has_text="succeeded")
    await expect(row).to_have_count(1)
    await row.get_by_role("link").click()
    await expect(page.get_by_role("heading", name="Attempt 1: HTTP 200")).to_be_visible()
    await page.get_by_role("button", name="Resend").click()
    await expect(page.get_by_role("status")).to_contain_text("Resent")
    await expect(page.get_by_role("heading", name="Attempt 2: HTTP 200")).to_be_visible(timeout=20_000)
    await expect(page.get_by_role("heading", name="Attempt 1: HTTP 200")).to_be_visible()
    await page.screenshot(path=tmp_path / "delivery.png", full_page=True)
    assert (tmp_path / "delivery.png").stat().st_size > 10_000
    first, second = receiver.wait_for(2)
    assert first.header("X-Forgehooks-Delivery") == second.header("X-Forgehooks-Delivery")


async def test_phone_width_and_keyboard_use(
    browser: Browser,
    live_server: LiveServer,
    runtime: Runtime,
    seed: Seed,
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    hook = await _delivered_hook(runtime, seed, receiver)
    page = await browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True)
    await _sign_in(page, live_server.url, seed.token)
    for path in (f"/-/projects/{seed.project.id}", f"/-/projects/{seed.project.id}/hooks/{hook.id}"):
        await page.goto(live_server.url + path)
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
    await page.screenshot(path=tmp_path / "hook-phone.png", full_page=True)
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "Skip to content"
    outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    await page.keyboard.press("Enter")
    await page.keyboard.press("Tab")
    focused = await page.evaluate("document.activeElement.closest('main') !== null")
    assert focused, "after the skip link, Tab goes into the main content"
    await page.get_by_label("State").select_option("succeeded")
    await page.get_by_role("button", name="Filter").press("Enter")
    await expect(page).to_have_url(
        f"{live_server.url}/-/projects/{seed.project.id}/hooks/{hook.id}?state=succeeded&kind="
    )
    await expect(page.get_by_role("row").filter(has_text="succeeded")).to_have_count(1)


async def test_add_edit_test_disable_rotate_and_delete_a_hook(
    browser: Browser, live_server: LiveServer, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await _sign_in(page, live_server.url, seed.token)
    await page.get_by_role("link", name="acme/widgets").click()
    await page.get_by_role("link", name="Add a hook").click()
    await expect(page.get_by_role("heading", name="New hook")).to_be_visible()

    # the same rule as the API: a refused URL comes back as the form with the reason
    await page.get_by_label("Payload URL").fill("ftp://files.example.net/in")
    await page.get_by_role("button", name="Add hook").click()
    await expect(page.get_by_role("alert")).to_contain_text("must be an http or https URL")

    await page.get_by_label("Payload URL").fill(f"{receiver.url}/in")
    await page.get_by_label("Name", exact=True).fill("browser-made")
    await page.get_by_label("issue_open").check()
    await page.get_by_label("Secret", exact=True).fill("br0wser-secret")
    await page.get_by_role("button", name="Add hook").click()
    await expect(page.get_by_role("status")).to_have_text("The hook is saved.")
    await expect(page.get_by_role("heading", name="browser-made")).to_be_visible()
    assert "br0wser-secret" not in await page.content()

    await page.get_by_role("link", name="Edit").click()
    await page.get_by_label("Name", exact=True).fill("browser-renamed")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_role("heading", name="browser-renamed")).to_be_visible()

    await page.get_by_label("Send a sample event").select_option("issue_open")
    await page.get_by_role("button", name="Test", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text(
        "issue_open event: the receiver answered HTTP 200"
    )
    (tested,) = receiver.received
    assert tested.header("X-Forgehooks-Event") == "issue_open" and tested.path == "/in"

    await page.get_by_role("button", name="Disable").click()
    await expect(page.get_by_role("status")).to_contain_text("The hook is disabled")
    await page.get_by_role("button", name="Enable", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text("The hook is enabled")

    await page.get_by_text("Rotate the secret").click()
    await page.get_by_label("New secret").fill("r0tated-secret")
    await page.get_by_role("button", name="Rotate").click()
    await expect(page.get_by_role("status")).to_contain_text("The secret is rotated")
    (hook,), _ = await hooks.list_hooks(runtime, seed.project, offset=0, limit=10)
    assert (
        hook.name == "browser-renamed"
        and hook.active
        and hook.events == {EventKind.PUSH, EventKind.ISSUE_OPEN}
    )
    assert hook.secret == "r0tated-secret" and hook.previous_secret == "br0wser-secret"

    # the hook's own CA bundle, pasted into the TLS form; the page says it is set
    await page.get_by_text("TLS: CA bundle and client certificate").click()
    await page.get_by_label("CA bundle (PEM").fill(trustme.CA().cert_pem.bytes().decode())
    await page.get_by_role("button", name="Save TLS settings").click()
    await expect(page.get_by_role("status")).to_contain_text("The TLS settings are saved")
    await expect(page.get_by_label("Configuration")).to_contain_text("set, 1 certificate")
    (hook,), _ = await hooks.list_hooks(runtime, seed.project, offset=0, limit=10)
    assert "BEGIN CERTIFICATE" in hook_tls.shown(hook).ca_bundle

    await page.get_by_text("Delete this hook").click()
    await page.get_by_role("button", name="Delete hook").click()
    await expect(page.get_by_role("status")).to_contain_text("The hook is deleted")
    assert await hooks.list_hooks(runtime, seed.project, offset=0, limit=10) == ([], 0)


async def test_the_api_docs_render_with_every_outside_request_blocked(
    browser: Browser, live_server: LiveServer
) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    outside: list[str] = []

    async def offline(route: Route) -> None:
        if route.request.url.startswith(live_server.url):
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort()

    await page.route("**/*", offline)
    await page.goto(f"{live_server.url}/docs")
    await expect(page.locator(".swagger-ui .info .title")).to_contain_text("forgehooks", timeout=20_000)
    await expect(page.get_by_text("/api/forgehooks/v1/projects").first).to_be_visible()
    assert outside == [], "the docs asked for something outside the service"


async def test_project_deliveries_are_filtered_and_found_by_id(
    browser: Browser, live_server: LiveServer, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    await _delivered_hook(runtime, seed, receiver)
    (delivery,), _ = await deliveries.list_deliveries(runtime, seed.project)
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await _sign_in(page, live_server.url, seed.token)
    row = page.get_by_role("row").filter(has_text="acme/widgets")
    await expect(row.get_by_text("1 delivering")).to_be_visible()
    await page.get_by_role("link", name="acme/widgets").click()
    await page.get_by_role("link", name="Deliveries").click()
    await expect(page.get_by_role("row").filter(has_text="ci-receiver")).to_have_count(1)
    await page.get_by_label("State").select_option("failed")
    await page.get_by_role("button", name="Filter").click()
    await expect(page.get_by_text("No deliveries match these filters.")).to_be_visible()
    # a time after the delivery: none; an event stream row leads to its event's deliveries
    await page.get_by_label("State").select_option("")
    await page.get_by_label("Created since (UTC)").fill("2999-01-01T00:00:00")
    await page.get_by_role("button", name="Filter").click()
    await expect(page.get_by_text("No deliveries match these filters.")).to_be_visible()
    await page.get_by_role("link", name="Event stream").click()
    await page.get_by_role("row").filter(has_text=delivery.event_id).get_by_role("link", name="1").click()
    await expect(page.get_by_label("Event id", exact=True)).to_have_value(delivery.event_id)
    await expect(page.get_by_role("row").filter(has_text="ci-receiver")).to_have_count(1)
    await page.get_by_label("Delivery or event id").fill(delivery.id)
    await page.get_by_role("button", name="Find").click()
    await expect(page).to_have_url(f"{live_server.url}/-/projects/{seed.project.id}/deliveries/{delivery.id}")
    await expect(page.get_by_role("heading", name="Attempt 1: HTTP 200")).to_be_visible()


async def test_retry_now_sends_a_waiting_delivery_without_waiting_its_turn(
    browser: Browser, settings: Settings, runtime: Runtime, seed: Seed
) -> None:
    answers = iter([503])
    with (
        Receiver(lambda _got: Reply(status=next(answers, 200))) as receiver,
        LiveServer(settings.model_copy(update={"retry_schedule": "0,600"})) as server,
    ):
        await hooks.create_hook(runtime, seed.project, HookSpec(url=receiver.url, name="flaky"), "forgehooks")
        body = RefBody(ref="refs/heads/main", before="1" * 40, after="3" * 40)
        actor = events.actor_of(seed.user)
        await events.publish(runtime, events.build_event(runtime, seed.project, EventKind.PUSH, body, actor))
        await receiver.await_count(1, timeout=20)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await _sign_in(page, server.url, seed.token)
        await page.goto(f"{server.url}/-/projects/{seed.project.id}/deliveries")
        await page.get_by_role("row").filter(has_text="flaky").get_by_role("link").first.click()
        await expect(page.get_by_role("heading", name="Attempt 1: HTTP 503")).to_be_visible(timeout=20_000)
        await page.get_by_role("button", name="Retry now").click()
        await expect(page.get_by_role("status")).to_contain_text("Retrying now")
        # the next attempt was ten minutes away
        await expect(page.get_by_role("heading", name="Attempt 2: HTTP 200")).to_be_visible(timeout=20_000)
    assert len(receiver.received) == 2
