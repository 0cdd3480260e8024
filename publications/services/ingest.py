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
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from publications.arxiv_taxonomy import category_name, is_arxiv_category
from publications.identity_scoring import NameParts, name_compatible
from publications.models import (
    Affiliation,
    Author,
    AuthorAlias,
    AuthorIdentifier,
    Authorship,
    Citation,
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
from publications.names import collapse_spaces, display_name, name_key
from publications.precedence import may_replace, provider
from publications.signals import authors_changed
from publications.sources.base import (
    ARXIV,
    DOI,
    ParsedAuthor,
    ParsedAuthorship,
    ParsedInstitution,
    ParsedInstitutionRecord,
    ParsedTopic,
    ParsedWork,
    ParseFailure,
)

from .counters import authors_recount
from .identity import (
    PERSON_SCHEMES,
    ResolveAuthors,
    WorkContext,
    authors_by_identifier,
    authorship_identifier_attach,
    authorships_resolve_authors,
)

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
    recount: Callable[[set[int]], object] | None = None,
    resolve_authors: ResolveAuthors = authorships_resolve_authors,
    recount_created: bool = True,
) -> IngestCounts:
    """Write parsed records; return what happened to them.

    A work's authors are decided by ``resolve_authors``: the evidence
    (``identity.authorships_resolve_authors``) unless the caller is a bulk
    load that decides by name (``identity.authorships_resolve_by_name``).
    With ``recount_created`` off, the authors of the works created here
    are neither recounted nor announced (``authors_changed``), even where
    an updated work touched them too: the caller does both later for every
    author of the works created (the snapshot's finish does, for its run).

    The authors whose figures may have changed are recounted at the end
    (``counters.authors_recount``, or ``recount`` when given: the
    snapshot's set-based writer gives its one-statement recount, which
    costs a prolific author's works in index probes where the ORM's joins
    hash whole tables).
    """
    counts = IngestCounts()
    later: set[int] = set()  # authors of created works, left to the caller
    for record in records:
        counts.seen += 1
        if isinstance(record, ParseFailure):
            import_failure_record(import_run=import_run, failure=record)
            counts.failed += 1
        else:
            try:
                if isinstance(record, ParsedAuthor):
                    outcome, author_ids = author_upsert(
                        record=record, import_run=import_run
                    )
                elif isinstance(record, ParsedInstitutionRecord):
                    outcome = institution_record_upsert(
                        record=record, import_run=import_run
                    )
                    author_ids = set()
                else:
                    outcome, author_ids = work_upsert(
                        record=record,
                        import_run=import_run,
                        resolve_authors=resolve_authors,
                    )
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
                if outcome == CREATED and not recount_created:
                    later |= author_ids
        if on_record:
            on_record()
    due = counts.author_ids - later
    if due:
        if recount is None:
            authors_recount(author_ids=due)
        else:
            recount(due)
        changed = sorted(due)
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
    *,
    record: ParsedWork,
    import_run: ImportRun | None,
    resolve_authors: ResolveAuthors = authorships_resolve_authors,
) -> tuple[str, set[int]]:
    """Create or update one work from a parsed record.

    Returns the outcome and the ids of the authors whose figures may have
    changed (old and new authors of the work).
    """
    source_record = _source_record(record)
    if _unchanged(source_record, record, link="work_id"):
        return UNCHANGED, set()

    touched: set[int] = set()
    works = _find_works(record)
    work = works[0] if works else None
    for other in works[1:]:
        touched |= works_merge(keep=work, other=other)
    outcome = CREATED if work is None else UPDATED
    work = work or Work()
    _apply_fields(work, record)
    work.full_clean(validate_unique=False, validate_constraints=False)
    work.save()

    _save_identifiers(work, record)
    if provider(record.source) == "arxiv":
        _save_versions(work, record, is_new=outcome == CREATED)
    if _save_topics(work, record, is_new=outcome == CREATED) and outcome == UPDATED:
        # Its authors' topic counts change with the work's topics.
        touched |= set(work.authorships.values_list("author_id", flat=True)) - {None}
    touched |= _save_authorships(
        work, record, is_new=outcome == CREATED, resolve_authors=resolve_authors
    )
    _save_citations(work, record)
    citations_complete(work=work)

    _source_record_save(source_record, record, import_run, work=work)
    return outcome, touched


def _source_record(record) -> SourceRecord | None:
    return SourceRecord.objects.filter(
        source=record.source, external_id=record.external_id
    ).first()


def _unchanged(source_record: SourceRecord | None, record, *, link: str) -> bool:
    """Was this very record written before (same payload hash, row linked)?"""
    return (
        source_record is not None
        and getattr(source_record, link) is not None
        and source_record.payload_hash == record.payload_hash
    )


def _source_record_save(
    source_record: SourceRecord | None,
    record,
    import_run: ImportRun | None,
    *,
    extra: dict[str, Any] | None = None,
    **links: Any,
) -> None:
    """Provenance of one record: what it wrote, when, in which run.

    ``links`` names the row it describes (work, author or institution);
    ``extra`` keeps what the source says beyond our columns, empty values
    left out.
    """
    source_record = source_record or SourceRecord(
        source=record.source, external_id=record.external_id
    )
    for name, value in links.items():
        setattr(source_record, name, value)
    source_record.payload_hash = record.payload_hash
    source_record.fetched_at = timezone.now()
    source_record.import_run = import_run
    if extra is not None:
        source_record.extra = {
            k: v for k, v in extra.items() if v not in (None, "", [])
        }
    source_record.save()


def record_identifiers(record: ParsedWork) -> list[tuple[str, str]]:
    """Every identifier of the record: arXiv id and DOI first."""
    keys = [(ARXIV, record.arxiv_id), (DOI, record.doi), *record.identifiers]
    seen: list[tuple[str, str]] = []
    for key in keys:
        if key[1] and key not in seen:
            seen.append(key)
    return seen


def _identifier_filter(keys: Iterable[tuple[str, str]]) -> Q:
    query = Q(pk__in=[])
    for scheme, value in keys:
        query |= Q(scheme=scheme, value=value)
    return query


def _find_works(record: ParsedWork) -> list[Work]:
    """The works already holding one of the record's identifiers, to be one.

    The first is the one to keep: the work holding the record's own arXiv
    id, else the oldest. The others are merged into it, except a work with
    another arXiv id: two preprints are two works, whatever DOI a record
    gives them.
    """
    keys = record_identifiers(record)
    found = WorkIdentifier.objects.filter(_identifier_filter(keys)).select_related(
        "work"
    )
    works = sorted({i.work.pk: i.work for i in found}.values(), key=lambda w: w.pk)
    if record.arxiv_id:
        other_preprints = [w for w in works if w.arxiv_id not in ("", record.arxiv_id)]
        for work in other_preprints:
            logger.warning(
                "Record %s:%s (arXiv %s) shares an identifier with work %s"
                " (arXiv %s); two preprints, kept apart",
                record.source,
                record.external_id,
                record.arxiv_id,
                work.pk,
                work.arxiv_id,
            )
        works = [w for w in works if w not in other_preprints]
    if len(works) < 2:
        return works
    own = [w for w in works if record.arxiv_id and w.arxiv_id == record.arxiv_id]
    anchor = own[0] if own else works[0]
    kept = [anchor]
    arxiv_id = anchor.arxiv_id or record.arxiv_id
    for work in works:
        if work is anchor:
            continue
        if work.arxiv_id and arxiv_id and work.arxiv_id != arxiv_id:
            logger.warning(
                "Record %s:%s names works %s and %s, two arXiv preprints; not merged",
                record.source,
                record.external_id,
                anchor.pk,
                work.pk,
            )
            continue
        arxiv_id = arxiv_id or work.arxiv_id
        kept.append(work)
    return kept


# ``Work.Type.values`` builds its list on every call.
_WORK_TYPES = frozenset(Work.Type.values)


def _record_values(record: ParsedWork) -> dict[str, Any]:
    """The Work columns this record gives, by precedence field."""
    venue = record.venue
    if not venue and provider(record.source) == "arxiv":
        venue = record.journal_ref or "arXiv"
    return {
        "title": (record.title, record.title_raw),
        "abstract": (record.abstract, record.abstract_raw),
        # A type we do not list ("reference-entry", "monograph") is "other".
        "work_type": record.work_type
        if record.work_type in _WORK_TYPES
        else Work.Type.OTHER,
        "published": record.published,
        "updated": record.updated,
        "venue": venue,
        "journal_ref": record.journal_ref,
        "comments": record.comments,
        "volume": record.volume,
        "issue": record.issue,
        "pages": record.pages,
        "publisher": record.publisher,
        "language": record.language,
        "arxiv_id": record.arxiv_id,
        "arxiv_version": record.arxiv_version,
        "doi": record.doi,
        "abs_url": record.abs_url,
        "pdf_url": record.pdf_url,
        "oa_url": record.oa_url,
        "categories": list(record.categories),
        "citation_count": record.citation_count,
        "counts_by_year": [list(pair) for pair in record.counts_by_year],
    }


# Fields a source's other formats may lack: their absence clears nothing.
KEPT_WHEN_ABSENT = frozenset({"arxiv_version"})


def _empty(value: Any) -> bool:
    if isinstance(value, tuple):  # (text, raw)
        return not value[0]
    return value is None or value == "" or value == []


def _apply_fields(work: Work, record: ParsedWork) -> None:
    """Set each field the record may set (publications.precedence).

    A source that set a field may also clear it (its new record lacks the
    value); another source's empty value never clears anything. A record
    that describes the work only in passing (``complete=False``) fills
    empty fields and nothing else.
    """
    sources = dict(work.field_sources or {})
    for field_name, value in _record_values(record).items():
        current = sources.get(field_name)
        same = current is not None and provider(current) == provider(record.source)
        if _empty(value):
            # A format that does not carry the version (OAI "arXiv") says
            # nothing about it, rather than that there is none.
            if same and record.complete and field_name not in KEPT_WHEN_ABSENT:
                _set_field(work, field_name, value)
                del sources[field_name]
            continue
        if not record.complete and current is not None and not same:
            continue
        if may_replace(field_name, new=record.source, current=current):
            _set_field(work, field_name, value)
            sources[field_name] = record.source
    work.field_sources = sources


def _set_field(work: Work, field_name: str, value: Any) -> None:
    if field_name in ("title", "abstract"):
        text, raw = value
        setattr(work, field_name, text)
        setattr(work, f"{field_name}_raw", raw)
    elif field_name == "published":
        work.published = value
        work.year = value.year if value else None
    elif value is None and field_name not in ("arxiv_version", "citation_count"):
        setattr(work, field_name, [] if field_name == "counts_by_year" else "")
    else:
        setattr(work, field_name, value)


def _save_identifiers(work: Work, record: ParsedWork) -> None:
    wanted = record_identifiers(record)
    owners = {
        (i.scheme, i.value): i.work_id
        for i in WorkIdentifier.objects.filter(_identifier_filter(wanted))
    }
    for scheme, value in wanted:
        owner = owners.get((scheme, value))
        if owner is None:
            WorkIdentifier.objects.create(work=work, scheme=scheme, value=value)
        elif owner != work.pk:
            # Two preprints claim one identifier (see _find_works): keep the
            # first owner and say so.
            if scheme == DOI and work.doi == value:
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
        arxiv_topics_create(missing)
        found = dict(
            Topic.objects.filter(scheme=Topic.Scheme.ARXIV, code__in=codes).values_list(
                "code", "pk"
            )
        )
    return found


def arxiv_topics_create(codes: list[str]) -> None:
    """Topics for these arXiv codes, named from the taxonomy; a code another
    writer created meanwhile is left as it is."""
    Topic.objects.bulk_create(
        [
            Topic(
                scheme=Topic.Scheme.ARXIV, code=code, name=category_name(code) or code
            )
            for code in codes
        ],
        ignore_conflicts=True,
    )


def topic_upsert(parsed: ParsedTopic) -> Topic:
    """A topic with its ancestry (subfield, field, domain), parents first."""
    parent = topic_upsert(parsed.parent) if parsed.parent is not None else None
    topic, created = Topic.objects.get_or_create(
        scheme=parsed.scheme,
        code=parsed.code,
        defaults={"name": parsed.name or parsed.code, "parent": parent},
    )
    if not created and parent is not None and topic.parent_id != parent.pk:
        topic.parent = parent
        topic.save(update_fields=["parent"])
    return topic


def _save_topics(work: Work, record: ParsedWork, *, is_new: bool) -> bool:
    """The work's topics: arXiv categories (primary first), then the others.

    Each scheme's rows belong to the source that gives that scheme, so an
    OpenAlex record does not remove arXiv categories, nor the reverse.
    Returns whether they changed.
    """
    changed = False
    if record.categories and record.complete:
        codes = [code for code in record.categories if is_arxiv_category(code)]
        ids = _topic_ids(codes) if codes else {}
        changed |= _replace_scheme_topics(
            work, Topic.Scheme.ARXIV, [ids[code] for code in codes], is_new=is_new
        )
    if record.topics and record.complete:
        wanted = [topic_upsert(t).pk for t in record.topics]
        changed |= _replace_scheme_topics(
            work, record.topics[0].scheme, list(dict.fromkeys(wanted)), is_new=is_new
        )
    return changed


def _replace_scheme_topics(
    work: Work, scheme: str, wanted: list[int], *, is_new: bool
) -> bool:
    rows = (
        []
        if is_new
        else list(work.work_topics.select_related("topic").order_by("position"))
    )
    current = [r.topic_id for r in rows if r.topic.scheme == scheme]
    if current == wanted:
        return False
    WorkTopic.objects.filter(work=work, topic__scheme=scheme).delete()
    others = [r for r in rows if r.topic.scheme != scheme]
    # arXiv categories come first (the primary one leads), others after.
    offset = 0 if scheme == Topic.Scheme.ARXIV else 100
    if scheme == Topic.Scheme.ARXIV and others:
        WorkTopic.objects.filter(
            pk__in=[r.pk for r in others], position__lt=100
        ).update(position=F("position") + 100)
    WorkTopic.objects.bulk_create(
        WorkTopic(
            work=work,
            topic_id=topic_id,
            position=offset + i,
            is_primary=(i == 0 and scheme == Topic.Scheme.ARXIV),
        )
        for i, topic_id in enumerate(wanted)
    )
    return True


def _save_authorships(
    work: Work,
    record: ParsedWork,
    *,
    is_new: bool,
    resolve_authors: ResolveAuthors = authorships_resolve_authors,
) -> set[int]:
    """Take the record's author list, or lend its ids to the list kept.

    The list comes from the strongest source that gave one (precedence
    "authorships"); a weaker or passing record adds what it knows about
    each person (identifiers, institutions) to the authorship that matches
    it. An unchanged list keeps its rows, and a replaced list keeps the
    decisions taken on its people (claims, moderator moves) and the ids
    other sources lent them, so those survive re-imports.
    """
    if not record.authorships:
        return set()
    existing = [] if is_new else list(work.authorships.order_by("position"))
    owner = (work.field_sources or {}).get("authorships")
    takes_list = not existing or (
        record.complete and may_replace("authorships", new=record.source, current=owner)
    )
    if not takes_list:
        return _lend_to_authorships(existing, record)

    if owner != record.source:
        work.field_sources = {
            **(work.field_sources or {}),
            "authorships": record.source,
        }
        Work.objects.filter(pk=work.pk).update(field_sources=work.field_sources)
    wanted = [
        (a.position, a.raw_name, list(a.raw_affiliations)) for a in record.authorships
    ]
    current = [(a.position, a.raw_name, a.raw_affiliations) for a in existing]
    if current == wanted:
        return _lend_to_authorships(existing, record)

    touched = {a.author_id for a in existing if a.author_id}
    previous = {a.position: a for a in existing}
    if existing:
        work.authorships.all().delete()
    resolutions = resolve_authors(
        parsed=record.authorships,
        context=WorkContext(
            source=record.source,
            year=work.year,
            topic_codes=tuple(record.categories),
        ),
    )
    rows = []
    for parsed, resolution in zip(record.authorships, resolutions, strict=True):
        row = Authorship(
            work=work,
            author=resolution.author,
            position=parsed.position,
            raw_name=parsed.raw_name,
            name=parsed.name,
            raw_affiliations=list(parsed.raw_affiliations),
            identifiers=sorted({tuple(i) for i in parsed.identifiers}),
            attribution=resolution.attribution,
            attribution_detail=resolution.detail,
            confidence=resolution.confidence,
        )
        old = previous.get(parsed.position)
        if old is not None and name_key(old.name) == name_key(parsed.name):
            row.identifiers = sorted(
                {tuple(i) for i in old.identifiers}
                | {tuple(i) for i in row.identifiers}
            )
            if old.locked:
                row.author_id = old.author_id
                row.attribution = old.attribution
                row.attribution_detail = old.attribution_detail
                row.confidence = old.confidence
                row.locked = True
        rows.append(row)
        touched.add(row.author_id)
        _affiliations_extend(row.author_id, parsed, year=work.year)
    Authorship.objects.bulk_create(rows)
    return touched


def _lend_to_authorships(existing: list[Authorship], record: ParsedWork) -> set[int]:
    """Add a record's person ids and institutions to the matching rows."""
    touched: set[int] = set()
    by_position = {a.position: a for a in existing}
    for parsed in record.authorships:
        row = _matching_authorship(parsed, by_position, existing)
        if row is None:
            continue
        before = row.author_id
        if (
            parsed.identifiers
            and authorship_identifier_attach(
                authorship=row, identifiers=parsed.identifiers, source=record.source
            )
            and row.author_id != before
        ):
            touched |= {before, row.author_id} - {None}
        if row.author_id and parsed.institutions:
            _affiliations_extend(
                row.author_id, parsed, year=record.published and record.published.year
            )
            touched.add(row.author_id)
    return touched


def _matching_authorship(
    parsed: ParsedAuthorship,
    by_position: dict[int, Authorship],
    existing: list[Authorship],
) -> Authorship | None:
    """The kept row that is this person: same position and name, or the one name."""
    parts = NameParts.from_string(parsed.name)
    row = by_position.get(parsed.position)
    if row is not None and name_compatible(parts, NameParts.from_string(row.name)):
        return row
    matches = [
        a for a in existing if name_compatible(parts, NameParts.from_string(a.name))
    ]
    return matches[0] if len(matches) == 1 else None


def _affiliations_extend(
    author_id: int, parsed: ParsedAuthorship, *, year: int | None
) -> None:
    if parsed.institutions:
        for institution in parsed.institutions:
            affiliation_extend(
                author_id=author_id,
                institution=institution_upsert(institution),
                year=year,
            )
        return
    for raw in parsed.raw_affiliations:
        name = collapse_spaces(raw)
        if name:
            institution, _ = Institution.objects.get_or_create(
                name_key=name_key(name)[:500], defaults={"name": name[:500]}
            )
            affiliation_extend(author_id=author_id, institution=institution, year=year)


def institution_find(parsed: ParsedInstitution) -> Institution | None:
    """The known institution by ROR id, then OpenAlex id, then name."""
    institution = None
    if parsed.ror_id:
        institution = Institution.objects.filter(ror_id=parsed.ror_id).first()
    if institution is None and parsed.openalex_id:
        institution = Institution.objects.filter(openalex_id=parsed.openalex_id).first()
    if institution is None:
        key = name_key(parsed.name)[:500]
        institution = Institution.objects.filter(name_key=key).first()
    return institution


def institution_upsert(parsed: ParsedInstitution) -> Institution:
    """The institution by ROR id, OpenAlex id or name; filling what it lacks."""
    institution = institution_find(parsed)
    key = name_key(parsed.name)[:500]
    if institution is None:
        return Institution.objects.create(
            name=collapse_spaces(parsed.name)[:500] or key,
            name_key=key,
            ror_id=parsed.ror_id or None,
            openalex_id=parsed.openalex_id or None,
            country_code=parsed.country_code[:2],
        )
    changed = []
    for field_name, value in (
        ("ror_id", parsed.ror_id),
        ("openalex_id", parsed.openalex_id),
        ("country_code", parsed.country_code[:2]),
    ):
        if value and not getattr(institution, field_name):
            setattr(institution, field_name, value)
            changed.append(field_name)
    if changed:
        institution.save(update_fields=changed)
    return institution


def affiliation_extend(
    *,
    author_id: int,
    institution: Institution,
    year: int | None,
    end_year: int | None = None,
) -> None:
    """Widen the author's years at the institution to include these."""
    years = [y for y in (year, end_year) if y]
    affiliation, created = Affiliation.objects.get_or_create(
        author_id=author_id,
        institution=institution,
        defaults={
            "start_year": min(years) if years else None,
            "end_year": max(years) if years else None,
        },
    )
    if created or not years:
        return
    start = min(filter(None, (affiliation.start_year, *years)))
    end = max(filter(None, (affiliation.end_year, *years)))
    if (start, end) != (affiliation.start_year, affiliation.end_year):
        affiliation.start_year, affiliation.end_year = start, end
        affiliation.save(update_fields=["start_year", "end_year"])


def _save_citations(work: Work, record: ParsedWork) -> None:
    """Reference rows of this work, pointing at known works where possible."""
    keys = [(s, v) for s, v in dict.fromkeys(record.references) if v]
    if not keys:
        return
    known = {
        (i.scheme, i.value): i.work_id
        for i in WorkIdentifier.objects.filter(_identifier_filter(keys))
    }
    Citation.objects.bulk_create(
        [
            Citation(
                citing=work,
                cited_id=known.get(key) if known.get(key) != work.pk else None,
                cited_scheme=key[0],
                cited_value=key[1],
                source=record.source,
            )
            for key in keys
            if known.get(key) != work.pk
        ],
        ignore_conflicts=True,
    )


def citations_complete(*, work: Work) -> int:
    """Point the references that name one of this work's ids at it."""
    keys = list(work.identifiers.values_list("scheme", "value"))
    if not keys:
        return 0
    query = Q(pk__in=[])
    for scheme, value in keys:
        query |= Q(cited_scheme=scheme, cited_value=value)
    return (
        Citation.objects.filter(query)
        .exclude(cited_id=work.pk)
        .exclude(citing_id=work.pk)
        .update(cited=work)
    )


def works_merge(*, keep: Work, other: Work) -> set[int]:
    """Make ``other`` part of ``keep``: one work, nothing lost.

    Identifiers, source records, references and citations, versions and
    topics move; each field keeps the stronger source's value; the author
    list of the stronger source stays and the other's rows are removed
    (their authors are recounted). ``other`` stays as a row that points to
    ``keep``, so its URL answers 301 there. Returns the authors touched.
    """
    logger.info("Merging work %s into %s", other.pk, keep.pk)
    keep_sources = dict(keep.field_sources or {})
    for field_name, source in (other.field_sources or {}).items():
        if field_name == "authorships":
            continue
        if may_replace(field_name, new=source, current=keep_sources.get(field_name)):
            if provider(source) == provider(keep_sources.get(field_name, "")):
                continue
            _copy_field(keep, other, field_name)
            keep_sources[field_name] = source
    keep.field_sources = keep_sources

    WorkIdentifier.objects.filter(work=other).update(work=keep)
    SourceRecord.objects.filter(work=other).update(work=keep)
    Citation.objects.filter(cited=other).update(cited=keep)
    moving = Citation.objects.filter(citing=other)
    Citation.objects.bulk_create(
        [
            Citation(
                citing=keep,
                cited_id=c.cited_id if c.cited_id != keep.pk else None,
                cited_scheme=c.cited_scheme,
                cited_value=c.cited_value,
                source=c.source,
            )
            for c in moving
            if c.cited_id != keep.pk
        ],
        ignore_conflicts=True,
    )
    moving.delete()
    have = set(keep.versions.values_list("version", flat=True))
    WorkVersion.objects.filter(work=other).exclude(version__in=have).update(work=keep)
    have = set(keep.work_topics.values_list("topic_id", flat=True))
    WorkTopic.objects.filter(work=other).exclude(topic_id__in=have).update(work=keep)

    touched = set(
        other.authorships.exclude(author=None).values_list("author_id", flat=True)
    )
    other_owner = (other.field_sources or {}).get("authorships")
    keep_owner = keep_sources.get("authorships")
    if not keep.authorships.exists() or (
        other_owner
        and may_replace("authorships", new=other_owner, current=keep_owner)
        and provider(other_owner) != provider(keep_owner or "")
    ):
        touched |= set(
            keep.authorships.exclude(author=None).values_list("author_id", flat=True)
        )
        keep.authorships.all().delete()
        other.authorships.update(work=keep)
        if other_owner:
            keep.field_sources["authorships"] = other_owner
    else:
        other.authorships.all().delete()
    keep.save()
    Work.objects.filter(merged_into=other).update(merged_into=keep)
    other.merged_into = keep
    other.save(update_fields=["merged_into"])
    return touched


def _copy_field(keep: Work, other: Work, field_name: str) -> None:
    if field_name in ("title", "abstract"):
        setattr(keep, field_name, getattr(other, field_name))
        setattr(keep, f"{field_name}_raw", getattr(other, f"{field_name}_raw"))
    elif field_name == "published":
        keep.published, keep.year = other.published, other.year
    else:
        setattr(keep, field_name, getattr(other, field_name))


@transaction.atomic
def author_upsert(
    *, record: ParsedAuthor, import_run: ImportRun | None
) -> tuple[str, set[int]]:
    """What a source says about a person: ids, name forms, affiliations, works.

    The works the person lists (ORCID) are written first, each lending the
    person's identifiers to the matching authorship; then the person is
    found by identifier. A person no identifier finds becomes a new Author.
    Imports never change a display name the researcher chose.
    """
    source_record = _source_record(record)
    if _unchanged(source_record, record, link="author_id"):
        return UNCHANGED, set()
    touched: set[int] = set()
    # The person is new when no Author held their ids before this record
    # (their works, written first, may make one).
    known_before = bool(authors_by_identifier(record.identifiers))
    for work in _works_with_a_name(record):
        _, author_ids = work_upsert(record=work, import_run=import_run)
        touched |= author_ids

    held = authors_by_identifier(record.identifiers)
    author = next(
        (
            held[key]
            for scheme in PERSON_SCHEMES
            for key in record.identifiers
            if key[0] == scheme and key in held
        ),
        None,
    )
    outcome = UPDATED if known_before else CREATED
    if author is None:
        if not record.name:
            raise ValueError(
                f"{record.external_id}: the source shows no name for this person"
                " and no record holds their ids: nothing to attach their works to"
            )
        author = Author.objects.create(
            display_name=display_name(record.name), name_key=name_key(record.name)
        )
    AuthorIdentifier.objects.bulk_create(
        [
            AuthorIdentifier(author=author, scheme=s, value=v, source=record.source)
            for s, v in record.identifiers
            if s in PERSON_SCHEMES and v and (s, v) not in held
        ],
        ignore_conflicts=True,
    )
    names = [n for n in (record.name, *record.alternative_names) if n.strip()]
    AuthorAlias.objects.bulk_create(
        [
            AuthorAlias(
                author=author,
                name=display_name(n)[:255],
                name_key=name_key(n)[:255],
            )
            for n in names
        ],
        ignore_conflicts=True,
    )
    for affiliation in record.affiliations:
        affiliation_extend(
            author_id=author.pk,
            institution=institution_upsert(affiliation.institution),
            year=affiliation.start_year,
            end_year=affiliation.end_year,
        )
    _source_record_save(
        source_record,
        record,
        import_run,
        author=author,
        extra={
            "works_count": record.works_count,
            "cited_by_count": record.cited_by_count,
            "h_index": record.h_index,
            "i10_index": record.i10_index,
            "topics": [t.name for t in record.topics][:10],
        },
    )
    touched.add(author.pk)
    return outcome, touched


def _works_with_a_name(record: ParsedAuthor) -> list[ParsedWork]:
    """The person's works, their authorship named as we know the person.

    A source that hides the person's name (a private ORCID name, a works
    list without the person) gives nameless authorships: the works are then
    written with the name of the Author the person's iD finds, or without
    that authorship when nobody holds the iD, never as a nameless Author.
    """
    if record.name:
        return list(record.works)
    held = authors_by_identifier(record.identifiers)
    known = next(iter(held.values()), None)
    works = []
    for work in record.works:
        named = tuple(
            replace(a, name=known.display_name, raw_name=known.display_name)
            for a in work.authorships
            if known is not None
        )
        works.append(replace(work, authorships=named))
    return works


@transaction.atomic
def institution_record_upsert(
    *, record: ParsedInstitutionRecord, import_run: ImportRun | None
) -> str:
    """An institution as its own source describes it: ids, country, name.

    Found by ROR id, OpenAlex id or name like every institution; what it
    lacks is filled. The homepage and counts are kept on the source record
    for display and audit; the homepage never becomes an e-mail domain
    (domains prove institutional claims and are set by staff).
    """
    source_record = _source_record(record)
    if _unchanged(source_record, record, link="institution_id"):
        return UNCHANGED
    parsed = record.institution
    existed = institution_find(parsed) is not None
    institution = institution_upsert(parsed)
    _source_record_save(
        source_record,
        record,
        import_run,
        institution=institution,
        extra={
            "homepage": record.homepage,
            "alternative_names": list(record.alternative_names),
            "works_count": record.works_count,
            "cited_by_count": record.cited_by_count,
        },
    )
    return UPDATED if existed else CREATED
