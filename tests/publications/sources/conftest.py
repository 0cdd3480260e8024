"""Fixtures the fetch tests of every source share: a fake clock, a
PoliteClient that waits on it, and ``responses`` at the HTTP layer."""

from __future__ import annotations

import pytest
import responses

from publications.sources.base import PoliteClient


class FakeClock:
    """A monotonic clock that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(clock) -> PoliteClient:
    """No interval between calls; the back-off is the HTTP_RETRY_BACKOFF setting."""
    return PoliteClient(min_interval=0, sleep=clock.sleep, clock=clock)


@pytest.fixture
def api():
    """Every request is answered by what the test serves, and nothing else."""
    with responses.RequestsMock() as mock:
        yield mock
