"""Retrying an import run's failed records: by id where the source looks
records up, by re-reading the files otherwise; from the admin as an action."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses
from django.conf import settings
from django.urls import reverse

from publications.models import ImportFailure, ImportRun, Work
from publications.services.import_runs import (
    import_run_create,
    import_run_execute,
    import_run_retry_failures,
)

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "arxiv_api"
ONE_ID = FIXTURES / "id_list_1111.2011v2.xml"
BAD_ID = FIXTURES / "recorded" / "id_abc_s0_m100_b79c8dcf6bc3.json"


@pytest.fixture(autouse=True)
def _no_backoff(settings):
    settings.HTTP_RETRY_BACKOFF = 0


def failed_live_run(*external_ids: str) -> ImportRun:
    """A finished OAI harvest whose listed records could not be written."""
    run = import_run_create(source="arxiv-oai", parameters={"from": "2026-11-01"})
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.DONE_WITH_ERRORS, failed=len(external_ids)
    )
    for external_id in external_ids:
        ImportFailure.objects.create(
            import_run=run, external_id=external_id, error="OperationalError: lost"
        )
    run.refresh_from_db()
    return run


def test_live_run_retries_its_failures_by_id_through_the_api():
    run = failed_live_run("1111.2011")

    retry = import_run_retry_failures(run=run)

    assert retry.source == "arxiv"
    assert retry.parameters == {"id_list": "1111.2011", "retry_of": run.pk}
    assert set(run.failures.values_list("retried_in", flat=True)) == {retry.pk}
    with responses.RequestsMock() as api:
        api.get(settings.ARXIV_API_URL, body=ONE_ID.read_bytes())
        import_run_execute(run_id=retry.pk)
    retry.refresh_from_db()
    assert retry.status == ImportRun.Status.DONE
    assert (retry.created, retry.failed) == (1, 0)
    assert Work.objects.filter(arxiv_id="1111.2011").exists()


def test_failures_already_retried_are_not_retried_twice():
    run = failed_live_run("1111.2011")
    import_run_retry_failures(run=run)

    with pytest.raises(ValueError, match="no failed records left"):
        import_run_retry_failures(run=run)


def test_file_run_retries_by_reading_its_files_again():
    run = import_run_create(
        source="arxiv", parameters={"files": [str(ONE_ID), str(BAD_ID)]}
    )
    import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.failed == 1

    retry = import_run_retry_failures(run=run)
    import_run_execute(run_id=retry.pk)

    retry.refresh_from_db()
    assert retry.parameters["files"] == run.parameters["files"]
    # The written record is unchanged; the bad id fails again, with its error.
    assert (retry.created, retry.unchanged, retry.failed) == (0, 1, 1)
    assert Work.objects.count() == 1


def test_admin_action_queues_a_retry_run(
    admin_client, django_capture_on_commit_callbacks
):
    run = failed_live_run("1111.2011")
    with (
        responses.RequestsMock() as api,
        django_capture_on_commit_callbacks(execute=True),
    ):
        api.get(settings.ARXIV_API_URL, body=ONE_ID.read_bytes())
        response = admin_client.post(
            reverse("admin:publications_importrun_changelist"),
            {"action": "retry_failed", "_selected_action": [run.pk]},
            follow=True,
        )
    assert response.status_code == 200
    retry = ImportRun.objects.get(parameters__retry_of=run.pk)
    assert f"Run {retry.pk} retries the 1 failed records of run {run.pk}" in (
        response.content.decode()
    )
    retry.refresh_from_db()
    assert retry.status == ImportRun.Status.DONE
