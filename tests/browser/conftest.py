"""Browser tests: Debian's Chromium driven by Playwright against the live server.

Playwright's own browser download does not work here, so the session launches
``/usr/bin/chromium``. Each test gets a fresh context (cookies, storage) with
a 10 s default timeout; requests to any host but the live server are aborted,
and uncaught page errors fail the test.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

# Playwright's sync API runs an event loop in the test thread; Django's
# async-unsafe guard would otherwise refuse the ORM calls the tests make.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 10_000
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}

ARXIV_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "arxiv_api"
DEMO_FEEDS = [
    ARXIV_FIXTURES / "au_del_maestro_2016.xml",
    ARXIV_FIXTURES / "au_del_maestro_and_ti_quantum_criticality.xml",
    ARXIV_FIXTURES / "au_del_maestro_and_ti_checkerboard_2016.xml",
    ARXIV_FIXTURES
    / "more"
    / "au_del_maestro_ANDNOT_ti_checkerboard_OR_ti_Pyrochlore.xml",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


def _keep_local(route):
    if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
        route.continue_()
    else:
        route.abort()


def _open_page(browser, live_server, **context_options):
    context = browser.new_context(base_url=live_server.url, **context_options)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    context.route("**/*", _keep_local)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    return context, tab, errors


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context and tab on the live server, JavaScript on."""
    context, tab, errors = _open_page(browser, live_server)
    yield tab
    context.close()
    assert not errors, f"uncaught JavaScript errors: {errors}"


@pytest.fixture
def page_without_js(browser, live_server):
    """The same with JavaScript disabled: htmx never runs."""
    context, tab, _ = _open_page(browser, live_server, java_script_enabled=False)
    yield tab
    context.close()


@pytest.fixture
def demo_data(transactional_db):
    """The Del Maestro demo feeds, imported through the real importer.

    ``transactional_db``: the live server answers from another thread, so the
    rows must be committed.
    """
    call_command("import", "arxiv", "--file", *map(str, DEMO_FEEDS), verbosity=0)


@pytest.fixture
def del_maestro(demo_data):
    from publications.models import Author

    return Author.objects.get(display_name="Adrian Del Maestro")
