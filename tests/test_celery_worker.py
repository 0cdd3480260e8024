"""An import goes through the configured broker to a real Celery worker.

With REDIS_URL set (CI) the message crosses Redis; without it, Celery's
in-memory transport. Either way the task is sent, not called in-process.
A task run in-process (the embedded default) does not make the in-memory
transport warn.
"""

from __future__ import annotations

import logging
import time

import pytest
from celery.contrib.testing.worker import start_worker

from bzpeer.celery import app as celery_app
from publications.models import ImportRun, Work
from publications.services.import_runs import import_run_create
from publications.tasks import authorships_reresolve_task, import_run_execute_task
from tests.conftest import FIXTURES


@pytest.fixture
def worker(transactional_db, settings):
    celery_app.conf.task_always_eager = False
    with start_worker(
        celery_app,
        pool="solo",
        perform_ping_check=False,
        queues=["default", "imports"],
        shutdown_timeout=10,
    ) as running:
        yield running
    celery_app.conf.task_always_eager = True


def test_import_task_runs_in_a_worker_through_the_broker(worker):
    run = import_run_create(
        source="arxiv",
        parameters={"files": [str(FIXTURES / "arxiv_api/au_del_maestro_2016.xml")]},
    )

    import_run_execute_task.delay(run.pk)

    deadline = time.monotonic() + 30
    while run.status not in {ImportRun.Status.DONE, ImportRun.Status.FAILED}:
        assert time.monotonic() < deadline, "the worker did not finish the import"
        time.sleep(0.2)
        run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert run.created == 10
    assert Work.objects.count() == 10


@pytest.mark.django_db
def test_a_task_run_in_process_logs_no_broker_warning(caplog):
    # Celery acquires a producer for an eager task too: with the in-memory
    # transport and no host in its URL, kombu warned on every import.
    with caplog.at_level(logging.WARNING):
        authorships_reresolve_task.delay([])

    assert [r.getMessage() for r in caplog.records if r.name.startswith("kombu")] == []
