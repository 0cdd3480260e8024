"""The records: works, authors, authorships, topics, institutions, provenance.

Integrity lives in the database: an identifier (scheme + normalised value)
belongs to one work or one author, an authorship is unique per
(work, position), a source record is unique per (source, external id).
Counters shown on pages (works, topics, close collaborators) are stored on
``Author`` and maintained by ``publications.services.counters``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Case, F, Func, Q, Value, When
from django.db.models.functions import Concat, Length, Replace, StrIndex, Substr
from django.db.models.lookups import Exact, In
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify


class Topic(models.Model):
    """A subject: an arXiv category, or an OpenAlex topic, subfield, field or domain."""

    class Scheme(models.TextChoices):
        ARXIV = "arxiv", "arXiv category"
        OPENALEX = "openalex", "OpenAlex topic"

    scheme = models.CharField(max_length=20, choices=Scheme.choices)
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code"], name="topic_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}" if self.name != self.code else self.code

    def get_absolute_url(self) -> str:
        return reverse("publications:topic_detail", args=[self.scheme, self.code])


class Institution(models.Model):
    name = models.CharField(max_length=500)
    # The name as a lookup key (case and spacing folded) until ROR ids arrive.
    name_key = models.CharField(max_length=500, unique=True)
    ror_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    openalex_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    country_code = models.CharField(max_length=2, blank=True)
    domains = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("publications:institution_detail", args=[self.pk])


class WorkQuerySet(models.QuerySet["Work"]):
    def visible(self) -> WorkQuerySet:
        """Works that have their own page (not merged into another)."""
        return self.filter(merged_into__isnull=True)

    def by_author(self, author_id: int) -> WorkQuerySet:
        return self.filter(authorships__author_id=author_id).distinct()


class Work(models.Model):
    class Type(models.TextChoices):
        PREPRINT = "preprint", "Preprint"
        ARTICLE = "article", "Article"
        PROCEEDINGS = "proceedings-article", "Conference paper"
        BOOK_CHAPTER = "book-chapter", "Book chapter"
        BOOK = "book", "Book"
        DISSERTATION = "dissertation", "Thesis"
        DATASET = "dataset", "Dataset"
        REVIEW = "review", "Review"
        OTHER = "other", "Other"

    title = models.TextField()
    title_raw = models.TextField(help_text="The title exactly as the source gave it.")
    abstract = models.TextField(blank=True)
    abstract_raw = models.TextField(blank=True)
    work_type = models.CharField(
        max_length=20, choices=Type.choices, default=Type.PREPRINT
    )
    published = models.DateField(null=True, blank=True)
    updated = models.DateField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    venue = models.CharField(max_length=500, blank=True)
    journal_ref = models.CharField(max_length=500, blank=True)
    volume = models.CharField(max_length=64, blank=True)
    issue = models.CharField(max_length=64, blank=True)
    pages = models.CharField(max_length=64, blank=True)
    publisher = models.CharField(max_length=500, blank=True)
    comments = models.TextField(blank=True)
    language = models.CharField(max_length=16, blank=True)
    # Display copies of the main identifiers; WorkIdentifier holds the
    # constraint that makes one identifier belong to one work, and its index
    # is where a work is looked up by identifier.
    arxiv_id = models.CharField(max_length=64, blank=True)
    arxiv_version = models.PositiveSmallIntegerField(null=True, blank=True)
    doi = models.CharField(max_length=255, blank=True)
    abs_url = models.URLField(max_length=500, blank=True)
    pdf_url = models.URLField(max_length=500, blank=True)
    oa_url = models.URLField(max_length=500, blank=True)
    # Every category as the source listed it (primary first), including
    # ACM/MSC classes that are not arXiv topics.
    categories = models.JSONField(default=list, blank=True)
    topics = models.ManyToManyField(Topic, through="WorkTopic", related_name="works")
    citation_count = models.PositiveIntegerField(null=True, blank=True)
    # [[year, citations received that year], ...] ascending, as a source counts.
    counts_by_year = models.JSONField(default=list, blank=True)
    # Which source gave each field's current value ({"title": "crossref",
    # "abstract": "arxiv", ...}); "manual" marks a value set by hand, which
    # no import overwrites. See publications.precedence.
    field_sources = models.JSONField(default=dict, blank=True)
    # A work found to be the same as another: its URL answers 301 there.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
        db_index=False,  # a partial index below
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = WorkQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "pk"]
        # Every index is paid for by every work a load writes, so a Work has
        # only those a query reads: its id (also "recently imported", the
        # ids being drawn in order) and the few merged works. Identifiers
        # are looked up in WorkIdentifier; no query filters or sorts works
        # on their own by year, arxiv_id, doi or created_at (the search
        # reads every title anyway). Few works are ever merged, so only
        # those are indexed by ``merged_into`` (an equality look-up implies
        # IS NOT NULL, so the planner uses the partial index).
        indexes = [
            models.Index(
                fields=["merged_into"],
                name="work_merged_into",
                condition=Q(merged_into__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title[:120]

    def get_absolute_url(self) -> str:
        return reverse("publications:work_detail", args=[self.pk])


class WorkIdentifier(models.Model):
    class Scheme(models.TextChoices):
        ARXIV = "arxiv", "arXiv"
        DOI = "doi", "DOI"
        OPENALEX = "openalex", "OpenAlex"
        SEMANTIC_SCHOLAR = "s2", "Semantic Scholar"
        PMID = "pmid", "PubMed"
        PMCID = "pmcid", "PubMed Central"
        MAG = "mag", "Microsoft Academic"

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="identifiers")
    scheme = models.CharField(max_length=20, choices=Scheme.choices)
    # Normalised: DOI lower-cased, arXiv id without its version.
    value = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "value"], name="work_identifier_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


class WorkVersion(models.Model):
    """One arXiv version of a work; versions are rows of the work, not works."""

    # Indexed by the unique constraint, which leads with it.
    work = models.ForeignKey(
        Work, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    version = models.PositiveSmallIntegerField()
    submitted = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["work", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["work", "version"], name="work_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work.arxiv_id}v{self.version}"


class WorkTopic(models.Model):
    # Indexed by the unique constraint, which leads with it.
    work = models.ForeignKey(
        Work, on_delete=models.CASCADE, related_name="work_topics", db_index=False
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="work_topics"
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["work", "position"]
        constraints = [
            models.UniqueConstraint(fields=["work", "topic"], name="work_topic_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.work_id} {self.topic.code}"


class Citation(models.Model):
    """``citing`` lists a reference to a work known by (scheme, value).

    ``cited`` is filled when a work holding that identifier is known, now or
    when it arrives later (publications.services.citations_complete).
    """

    citing = models.ForeignKey(
        Work, on_delete=models.CASCADE, related_name="outgoing_citations"
    )
    cited = models.ForeignKey(
        Work,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="incoming_citations",
    )
    cited_scheme = models.CharField(
        max_length=20, choices=WorkIdentifier.Scheme.choices
    )
    cited_value = models.CharField(max_length=255)
    source = models.CharField(max_length=32)

    class Meta:
        ordering = ["citing", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["citing", "cited_scheme", "cited_value"],
                name="citation_unique",
            ),
        ]
        indexes = [models.Index(fields=["cited_scheme", "cited_value"])]

    def __str__(self) -> str:
        return f"{self.citing_id} cites {self.cited_scheme}:{self.cited_value}"


def _before_last_word(text: models.Expression) -> Func:
    """Up to and including the last space ('' for one word): RTRIM strips
    every character but a space from the right."""
    return Func(
        text,
        Replace(text, Value(" "), Value("")),
        function="RTRIM",
        output_field=models.CharField(),
    )


def _last_word(text: models.Expression) -> Substr:
    return Substr(text, Length(_before_last_word(text)) + 1)


# Name suffixes as name_key writes them ("Jr." -> "jr"): not a surname.
NAME_SUFFIXES = ("jr", "sr", "ii", "iii", "iv")


def _name_block() -> Case:
    """``name_block``: a name key's surname (its last word, a suffix left
    out) and first initial, 'evans n' for 'neal j evans ii'; '' for one word.

    Identity resolution finds the candidates for a printed name by this
    (``identity._block_filter``), with an index. Computed by the database
    from ``name_key`` (a generated column), so every way a name key is
    written (the ORM, bulk updates, the snapshot's COPY) keeps it, in plain
    SQL functions that PostgreSQL and SQLite share.
    """
    key = F("name_key")
    head = Func(_before_last_word(key), function="RTRIM")  # 'neal j evans'
    initial = Substr(key, 1, 1)
    return Case(
        When(Exact(StrIndex(key, Value(" ")), 0), then=Value("")),
        When(
            In(_last_word(key), NAME_SUFFIXES),
            then=Case(
                When(Exact(StrIndex(head, Value(" ")), 0), then=Value("")),
                default=Concat(_last_word(head), Value(" "), initial),
            ),
        ),
        default=Concat(_last_word(key), Value(" "), initial),
        output_field=models.CharField(max_length=255),
    )


def _name_block_field() -> models.GeneratedField:
    return models.GeneratedField(
        expression=_name_block(),
        output_field=models.CharField(max_length=255),
        db_persist=True,
    )


def _name_block_index(name: str) -> models.Index:
    # Pattern operators serve both name_block = '...' and LIKE 'word %'
    # (a name printed without a given name) on PostgreSQL.
    return _pattern_index("name_block", name)


def _pattern_index(field_name: str, name: str) -> models.Index:
    """One index for a key's equality and prefix look-ups.

    On PostgreSQL, ``varchar_pattern_ops`` serves ``=``, ``IN`` and
    ``LIKE 'prefix%'`` alike. ``db_index=True`` on a CharField would make
    two indexes there: this one and one in the collation's order, which
    no query of a name key needs (keys are compared, never sorted) and
    every new author and name form would keep up to date.
    """
    return models.Index(
        fields=[field_name], name=name, opclasses=["varchar_pattern_ops"]
    )


class AuthorQuerySet(models.QuerySet["Author"]):
    def visible(self) -> AuthorQuerySet:
        """Authors that have their own page (not merged into another)."""
        return self.filter(merged_into__isnull=True)


class Author(models.Model):
    """The public author record."""

    display_name = models.CharField(max_length=255)
    # The normalised full name (see publications.names.name_key).
    name_key = models.CharField(max_length=255)  # indexed below
    name_block = _name_block_field()
    # True once the researcher chose their display name: imports and
    # re-resolution never change it then.
    display_name_chosen = models.BooleanField(default=False)
    headline = models.CharField(max_length=255, blank=True)
    open_to_collaborate = models.BooleanField(default=False)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
        db_index=False,  # a partial index below, as Work's
    )
    works_count = models.PositiveIntegerField(default=0)
    topics_count = models.PositiveIntegerField(default=0)
    collaborators_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = AuthorQuerySet.as_manager()

    class Meta:
        ordering = ["display_name", "pk"]
        indexes = [
            models.Index(
                fields=["merged_into"],
                name="author_merged_into",
                condition=Q(merged_into__isnull=False),
            ),
            _pattern_index("name_key", "author_name_key"),
            _name_block_index("author_name_block"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")),
                name="author_not_merged_into_self",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("profiles:author_detail", args=[self.pk, self.slug])

    @property
    def slug(self) -> str:
        from .names import ascii_fold

        return slugify(ascii_fold(self.display_name)) or "author"


class AuthorAlias(models.Model):
    """A name form under which a source printed this author."""

    # Indexed by the unique constraint, which leads with it.
    author = models.ForeignKey(
        Author, on_delete=models.CASCADE, related_name="aliases", db_index=False
    )
    name = models.CharField(max_length=255)
    name_key = models.CharField(max_length=255)  # indexed below
    name_block = _name_block_field()
    # Hidden by the researcher from public pages (a former name); it still
    # serves matching.
    hidden = models.BooleanField(default=False)

    class Meta:
        ordering = ["author", "name"]
        indexes = [
            _pattern_index("name_key", "author_alias_name_key"),
            _name_block_index("author_alias_name_block"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "name"], name="author_alias_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AuthorIdentifier(models.Model):
    class Scheme(models.TextChoices):
        ORCID = "orcid", "ORCID"
        OPENALEX = "openalex", "OpenAlex"
        SEMANTIC_SCHOLAR = "s2", "Semantic Scholar"
        DBLP = "dblp", "DBLP"

    author = models.ForeignKey(
        Author, on_delete=models.CASCADE, related_name="identifiers"
    )
    scheme = models.CharField(max_length=20, choices=Scheme.choices)
    value = models.CharField(max_length=255)
    source = models.CharField(max_length=32, blank=True, help_text="Who asserted it.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "value"], name="author_identifier_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


class Authorship(models.Model):
    """A work's author at a position, as the source printed it.

    ``attribution`` says how the author was decided; claims and moderator
    decisions set ``locked``, and nothing automatic changes a locked row.
    """

    class Attribution(models.TextChoices):
        IDENTIFIER = "identifier", "Persistent identifier"
        NAME_EVIDENCE = "name_evidence", "Name and supporting evidence"
        NAME = "name", "Same name, no other record"
        NEW = "new", "New record: no matching researcher"
        CLAIM = "claim", "Claimed by the researcher"
        MODERATOR = "moderator", "Moderator decision"

    # Indexed by the unique constraint, which leads with it.
    work = models.ForeignKey(
        Work, on_delete=models.CASCADE, related_name="authorships", db_index=False
    )
    author = models.ForeignKey(
        Author,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authorships",
    )
    position = models.PositiveSmallIntegerField()
    raw_name = models.CharField(max_length=500)
    # The name shown on pages: raw_name with TeX turned into Unicode.
    name = models.CharField(max_length=500)
    raw_affiliations = models.JSONField(default=list, blank=True)
    # Persistent ids the sources gave for this person on this work:
    # [["orcid", "0000-..."], ["openalex", "A..."]], with the source in
    # ``attribution_detail`` when one decided.
    identifiers = models.JSONField(default=list, blank=True)
    attribution = models.CharField(
        max_length=20, choices=Attribution.choices, default=Attribution.NAME
    )
    # What the decision rested on: {"scheme", "value", "source"} for an
    # identifier; {"evidence": [...], "candidates": n} for name + evidence.
    attribution_detail = models.JSONField(default=dict, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    locked = models.BooleanField(default=False)

    class Meta:
        ordering = ["work", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["work", "position"], name="authorship_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.position}) on {self.work_id}"


class Affiliation(models.Model):
    author = models.ForeignKey(
        Author, on_delete=models.CASCADE, related_name="affiliations"
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="affiliations"
    )
    start_year = models.PositiveSmallIntegerField(null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["author", "-end_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "institution"], name="affiliation_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} at {self.institution}"


class SourceRecord(models.Model):
    """Provenance: which source said what about a work, and when."""

    source = models.CharField(max_length=32)
    external_id = models.CharField(max_length=255)
    work = models.ForeignKey(
        Work,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="source_records",
    )
    # Person records (OpenAlex authors, ORCID records, S2 authors).
    author = models.ForeignKey(
        "Author",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="source_records",
        db_index=False,  # a partial index below
    )
    # Institution records (OpenAlex institutions).
    institution = models.ForeignKey(
        Institution,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="source_records",
        db_index=False,  # a partial index below
    )
    # What the source says beyond our columns (an author's h-index, works
    # count, cited-by count), kept for display and audit.
    extra = models.JSONField(default=dict, blank=True)
    fetched_at = models.DateTimeField()
    payload_hash = models.CharField(max_length=64)
    import_run = models.ForeignKey(
        "ImportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="source_record_unique"
            ),
        ]
        # Most records are of works: only the person and institution records
        # are indexed by those columns.
        indexes = [
            models.Index(
                fields=["author"],
                name="source_record_author",
                condition=Q(author__isnull=False),
            ),
            models.Index(
                fields=["institution"],
                name="source_record_institution",
                condition=Q(institution__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class ImportRun(models.Model):
    class Status(models.TextChoices):
        # Created, not yet picked up by a worker.
        PENDING = "pending", "Pending"
        # A worker is fetching and writing records.
        RUNNING = "running", "Running"
        # Every record was written.
        DONE = "done", "Done"
        # Finished, but some records failed and are listed as failures.
        DONE_WITH_ERRORS = "done_with_errors", "Done with errors"
        # Stopped by an error that ended the run (network, bad feed).
        FAILED = "failed", "Failed"

    source = models.CharField(max_length=32, db_index=True)
    parameters = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    seen = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # How many records the source says there are, when it says.
    total = models.PositiveIntegerField(null=True, blank=True)
    checkpoint = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.source} run #{self.pk} ({self.status})"

    @property
    def progress(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.seen / self.total)

    @property
    def rate(self) -> float | None:
        """Records a second since the run started (to its end, or now)."""
        if self.started_at is None:
            return None
        end = self.finished_at or timezone.now()
        seconds = (end - self.started_at).total_seconds()
        return self.seen / seconds if seconds > 0 else None


class ImportFailure(models.Model):
    """A record that could not be parsed or written, kept with its error."""

    import_run = models.ForeignKey(
        ImportRun, on_delete=models.CASCADE, related_name="failures"
    )
    external_id = models.CharField(max_length=255, blank=True)
    error = models.TextField()
    payload = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The run that tried this record again ("retry failed"), if any.
    retried_in = models.ForeignKey(
        ImportRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="retried_failures",
    )

    class Meta:
        ordering = ["import_run", "pk"]

    def __str__(self) -> str:
        return f"{self.external_id or 'record'}: {self.error[:80]}"
