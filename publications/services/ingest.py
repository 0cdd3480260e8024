"""The one writer for every source: parsed records in, rows out.

Idempotent: a record whose source payload hash has not changed since the
last import is skipped without a write, and everything else is upserted on
natural keys (identifiers, (work, position), (source, external id)), so
running the same import twice changes nothing. A record that cannot be
parsed or written is kept on the ImportRun as an ImportFailure with its
error; the rest of the batch goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from publications.arxiv_taxonomy import category_name, is_arxiv_category
from publications.models import (
    Affiliation,
    Authorship,
    ImportFailure,
    ImportRun,
    Institution,
    SourceRecord,
    Topic,
    Work,
    WorkIdentifier,
    WorkTopic,
    WorkVersion,
)
from publications.names import collapse_spaces, name_key
from publications.signals import authors_changed
from publications.sources.base import ParsedWork, ParseFailure

from .counters import authors_recount
from .identity import authorships_resolve_authors

logger = logging.getLogger(__name__)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass
class IngestCounts:
    seen: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    author_ids: set[int] = field(default_factory=set)


def works_ingest(
    *,
    records: Iterable[ParsedWork | ParseFailure],
    import_run: ImportRun,
    on_record: Callable[[], None] | None = None,
) -> IngestCounts:
    """Write parsed records; return what happened to them."""
    counts = IngestCounts()
    for record in records:
        counts.seen += 1
        if isinstance(record, ParseFailure):
            import_failure_record(import_run=import_run, failure=record)
            counts.failed += 1
        else:
            try:
                outcome, author_ids = work_upsert(record=record, import_run=import_run)
            except (ValidationError, DatabaseError, ValueError) as exc:
                logger.warning("Could not write %s: %s", record.external_id, exc)
                import_failure_record(
                    import_run=import_run,
                    failure=ParseFailure(
                        source=record.source,
                        external_id=record.external_id,
                        error=f"{type(exc).__name__}: {exc}",
                        payload=repr(record),
                    ),
                )
                counts.failed += 1
            else:
                setattr(counts, outcome, getattr(counts, outcome) + 1)
                counts.author_ids |= author_ids
        if on_record:
            on_record()
    if counts.author_ids:
        authors_recount(author_ids=counts.author_ids)
        changed = sorted(counts.author_ids)
        transaction.on_commit(
            lambda: authors_changed.send(sender=Work, author_ids=changed)
        )
    return counts


def import_failure_record(*, import_run: ImportRun, failure: ParseFailure) -> None:
    ImportFailure.objects.create(
        import_run=import_run,
        external_id=failure.external_id[:255],
        error=failure.error,
        payload=failure.payload,
    )


@transaction.atomic
def work_upsert(
    *, record: ParsedWork, import_run: ImportRun | None
) -> tuple[str, set[int]]:
    """Create or update one work from a parsed record.

    Returns the outcome and the ids of the authors whose figures may have
    changed (old and new authors of the work).
    """
    source_record = SourceRecord.objects.filter(
        source=record.source, external_id=record.external_id
    ).first()
    if (
        source_record is not None
        and source_record.work_id is not None
        and source_record.payload_hash == record.payload_hash
    ):
        return UNCHANGED, set()

    work = _find_work(record)
    outcome = CREATED if work is None else UPDATED
    work = work or Work()
    _apply_fields(work, record)
    work.full_clean(validate_unique=False, validate_constraints=False)
    work.save()

    _save_identifiers(work, record)
    _save_versions(work, record, is_new=outcome == CREATED)
    _save_topics(work, record, is_new=outcome == CREATED)
    author_ids = _save_authorships(work, record, is_new=outcome == CREATED)

    source_record = source_record or SourceRecord(
        source=record.source, external_id=record.external_id
    )
    source_record.work = work
    source_record.payload_hash = record.payload_hash
    source_record.fetched_at = timezone.now()
    source_record.import_run = import_run
    source_record.save()
    return outcome, author_ids


def _find_work(record: ParsedWork) -> Work | None:
    """The work that already holds one of the record's identifiers."""
    keys = Q(scheme=WorkIdentifier.Scheme.ARXIV, value=record.arxiv_id)
    if record.doi:
        keys |= Q(scheme=WorkIdentifier.Scheme.DOI, value=record.doi)
    found = WorkIdentifier.objects.filter(keys).select_related("work")
    # The arXiv id is the record's own key: it wins over a shared DOI.
    by_scheme = {identifier.scheme: identifier.work for identifier in found}
    return by_scheme.get(WorkIdentifier.Scheme.ARXIV) or by_scheme.get(
        WorkIdentifier.Scheme.DOI
    )


def _apply_fields(work: Work, record: ParsedWork) -> None:
    work.title = record.title
    work.title_raw = record.title_raw
    work.abstract = record.abstract
    work.abstract_raw = record.abstract_raw
    work.work_type = record.work_type
    work.published = record.published
    work.updated = record.updated
    work.year = record.published.year if record.published else None
    work.journal_ref = record.journal_ref
    work.venue = record.journal_ref or "arXiv"
    work.comments = record.comments
    work.arxiv_id = record.arxiv_id
    work.arxiv_version = record.arxiv_version
    work.doi = record.doi
    work.abs_url = record.abs_url
    work.pdf_url = record.pdf_url
    work.categories = list(record.categories)


def _save_identifiers(work: Work, record: ParsedWork) -> None:
    wanted = {
        scheme: value
        for scheme, value in (
            (WorkIdentifier.Scheme.ARXIV, record.arxiv_id),
            (WorkIdentifier.Scheme.DOI, record.doi),
        )
        if value
    }
    owners = {
        (i.scheme, i.value): i.work_id
        for i in WorkIdentifier.objects.filter(
            value__in=wanted.values(), scheme__in=wanted.keys()
        )
    }
    for scheme, value in wanted.items():
        owner = owners.get((scheme, value))
        if owner is None:
            WorkIdentifier.objects.create(work=work, scheme=scheme, value=value)
        elif owner != work.pk:
            # Two records claim one identifier: keep the first owner and say
            # so; merging works is the merge service's decision, not ours.
            if scheme == WorkIdentifier.Scheme.DOI:
                Work.objects.filter(pk=work.pk).update(doi="")
                work.doi = ""
            logger.warning(
                "%s:%s already belongs to work %s, not %s",
                scheme,
                value,
                owner,
                work.pk,
            )


def _save_versions(work: Work, record: ParsedWork, *, is_new: bool) -> None:
    if record.versions:
        # The source listed every version with its date (the bulk snapshot).
        dates = dict(record.versions)
        numbers = sorted(dates)
    elif record.arxiv_version:
        # The API dates only the first version and the latest one.
        dates = {1: record.published, record.arxiv_version: record.updated}
        numbers = list(range(1, record.arxiv_version + 1))
    else:
        return
    existing = {} if is_new else {v.version: v for v in work.versions.all()}
    missing = []
    for number in numbers:
        submitted = dates.get(number)
        version = existing.get(number)
        if version is None:
            missing.append(WorkVersion(work=work, version=number, submitted=submitted))
        elif submitted and version.submitted != submitted:
            version.submitted = submitted
            version.save(update_fields=["submitted"])
    WorkVersion.objects.bulk_create(missing)


def _topic_ids(codes: list[str]) -> dict[str, int]:
    """Topic ids for arXiv category codes, creating the unknown ones."""
    found = dict(
        Topic.objects.filter(scheme=Topic.Scheme.ARXIV, code__in=codes).values_list(
            "code", "pk"
        )
    )
    missing = [code for code in codes if code not in found]
    if missing:
        Topic.objects.bulk_create(
            [
                Topic(
                    scheme=Topic.Scheme.ARXIV,
                    code=code,
                    name=category_name(code) or code,
                )
                for code in missing
            ],
            ignore_conflicts=True,
        )
        found = dict(
            Topic.objects.filter(scheme=Topic.Scheme.ARXIV, code__in=codes).values_list(
                "code", "pk"
            )
        )
    return found


def _save_topics(work: Work, record: ParsedWork, *, is_new: bool) -> None:
    codes = [code for code in record.categories if is_arxiv_category(code)]
    ids = _topic_ids(codes) if codes else {}
    wanted = [ids[code] for code in codes]
    current = (
        []
        if is_new
        else list(
            work.work_topics.order_by("position").values_list("topic_id", flat=True)
        )
    )
    if current == wanted:
        return
    if current:
        work.work_topics.all().delete()
    WorkTopic.objects.bulk_create(
        WorkTopic(work=work, topic_id=topic_id, position=i, is_primary=(i == 0))
        for i, topic_id in enumerate(wanted)
    )


def _save_authorships(work: Work, record: ParsedWork, *, is_new: bool) -> set[int]:
    """Replace the work's authorships when the source's list changed.

    An unchanged list keeps its rows, so decisions taken on them (a
    researcher's claim, a moderator's split) survive re-imports.
    """
    existing = [] if is_new else list(work.authorships.order_by("position"))
    wanted = [
        (a.position, a.raw_name, list(a.raw_affiliations)) for a in record.authorships
    ]
    current = [(a.position, a.raw_name, a.raw_affiliations) for a in existing]
    if current == wanted:
        return set()
    touched = {a.author_id for a in existing if a.author_id}
    if existing:
        work.authorships.all().delete()
    rows = []
    authors = authorships_resolve_authors(parsed=record.authorships)
    for parsed, author in zip(record.authorships, authors, strict=True):
        rows.append(
            Authorship(
                work=work,
                author=author,
                position=parsed.position,
                raw_name=parsed.raw_name,
                name=parsed.name,
                raw_affiliations=list(parsed.raw_affiliations),
            )
        )
        touched.add(author.pk)
        for raw in parsed.raw_affiliations:
            _affiliation_extend(author_id=author.pk, raw=raw, year=work.year)
    Authorship.objects.bulk_create(rows)
    return touched


def _affiliation_extend(*, author_id: int, raw: str, year: int | None) -> None:
    name = collapse_spaces(raw)
    if not name:
        return
    institution, _ = Institution.objects.get_or_create(
        name_key=name_key(name)[:500], defaults={"name": name[:500]}
    )
    affiliation, created = Affiliation.objects.get_or_create(
        author_id=author_id,
        institution=institution,
        defaults={"start_year": year, "end_year": year},
    )
    if created or year is None:
        return
    start = min(filter(None, (affiliation.start_year, year)))
    end = max(filter(None, (affiliation.end_year, year)))
    if (start, end) != (affiliation.start_year, affiliation.end_year):
        affiliation.start_year, affiliation.end_year = start, end
        affiliation.save(update_fields=["start_year", "end_year"])
