"""Celery tasks of publications: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="publications.import_run_execute")
def import_run_execute_task(run_id: int) -> None:
    """Wrapper around import_run_execute to make it a task."""
    from publications.services.import_runs import import_run_execute

    import_run_execute(run_id=run_id)
