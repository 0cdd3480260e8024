"""Shared test setup: fast settings, eager Celery, named personas."""

from __future__ import annotations

from pathlib import Path

import pytest

from bzpeer.celery import app as celery_app

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ARXIV_MIN_INTERVAL = 0
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit and throttle counters live in the cache: start each test clean."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def ratelimit_clock_stopped(monkeypatch):
    """django-ratelimit's clock stands still for the test.

    It counts requests in windows aligned to the clock: a test's requests
    that straddle a window's end (a minute's, an hour's) are counted in two
    windows, and the last is not refused. On a busy machine sixty requests
    can take long enough for that to happen (seen in CI).
    """
    monkeypatch.setattr("django_ratelimit.core.time.time", lambda: 1_800_000_000.0)


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process in tests, whatever REDIS_URL says."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture
def fixture_bytes():
    def read(relative: str) -> bytes:
        return (FIXTURES / relative).read_bytes()

    return read


@pytest.fixture
def visitor(client):
    return client


def make_user(django_user_model, username: str, *, is_staff: bool = False):
    """A user with a verified primary e-mail address, as after sign-up."""
    from allauth.account.models import EmailAddress

    user = django_user_model.objects.create_user(
        username=username,
        email=f"{username}@example.org",
        password="correct horse battery",
        is_staff=is_staff,
    )
    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )
    return user


@pytest.fixture
def alice(django_user_model):
    """A researcher who will claim a record."""
    return make_user(django_user_model, "alice")


@pytest.fixture
def bob(django_user_model):
    """A competing claimant."""
    return make_user(django_user_model, "bob")


@pytest.fixture
def mod(django_user_model):
    """A staff moderator."""
    return make_user(django_user_model, "mod", is_staff=True)


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client
