"""Celery tasks of publications: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="publications.import_run_execute")
def import_run_execute_task(run_id: int) -> None:
    """Wrapper around import_run_execute to make it a task."""
    from publications.services.import_runs import import_run_execute

    import_run_execute(run_id=run_id)


@shared_task(name="publications.arxiv_oai_harvest_incremental")
def arxiv_oai_harvest_incremental_task() -> None:
    """The daily OAI-PMH harvest: create the run, execute it here."""
    from publications.services.import_runs import (
        arxiv_oai_incremental_create,
        import_run_execute,
    )

    run = arxiv_oai_incremental_create()
    import_run_execute(run_id=run.pk)


@shared_task(name="publications.authorships_reresolve")
def authorships_reresolve_task(author_ids: list[int]) -> None:
    """Wrapper around authorships_reresolve to make it a task."""
    from publications.services.reresolution import authorships_reresolve

    authorships_reresolve(author_ids=author_ids)
