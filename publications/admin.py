"""Admin for the records: a real tool for looking into imports and provenance."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import models, transaction

from .models import (
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
from .services.import_runs import import_run_retry_failures
from .tasks import import_run_execute_task


class WorkIdentifierInline(admin.TabularInline):
    model = WorkIdentifier
    extra = 0


class WorkVersionInline(admin.TabularInline):
    model = WorkVersion
    extra = 0


class WorkTopicInline(admin.TabularInline):
    model = WorkTopic
    extra = 0
    autocomplete_fields = ["topic"]


class AuthorshipInline(admin.TabularInline):
    model = Authorship
    extra = 0
    raw_id_fields = ["author", "work"]
    readonly_fields = ["raw_name", "raw_affiliations"]


class SourceRecordInline(admin.TabularInline):
    model = SourceRecord
    fk_name = "work"
    extra = 0
    readonly_fields = [
        "source",
        "external_id",
        "fetched_at",
        "payload_hash",
        "import_run",
    ]
    can_delete = False


@admin.register(Work)
class WorkAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "work_type",
        "year",
        "arxiv_id",
        "doi",
        "venue",
        "created_at",
    ]
    list_filter = ["work_type", "year", "topics"]
    search_fields = ["title", "arxiv_id", "doi", "identifiers__value"]
    date_hierarchy = "published"
    readonly_fields = ["title_raw", "abstract_raw", "created_at", "modified_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [
        AuthorshipInline,
        WorkIdentifierInline,
        WorkVersionInline,
        WorkTopicInline,
        SourceRecordInline,
    ]


class AuthorAliasInline(admin.TabularInline):
    model = AuthorAlias
    extra = 0


class AuthorIdentifierInline(admin.TabularInline):
    model = AuthorIdentifier
    extra = 0


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    extra = 0
    autocomplete_fields = ["institution"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = [
        "display_name",
        "works_count",
        "collaborators_count",
        "topics_count",
        "merged_into",
        "created_at",
    ]
    list_filter = ["open_to_collaborate", ("merged_into", admin.EmptyFieldListFilter)]
    search_fields = ["display_name", "name_key", "aliases__name", "identifiers__value"]
    raw_id_fields = ["merged_into"]
    readonly_fields = [
        "name_key",
        "works_count",
        "collaborators_count",
        "topics_count",
        "created_at",
        "modified_at",
    ]
    inlines = [AuthorAliasInline, AuthorIdentifierInline, AffiliationInline]


@admin.register(Authorship)
class AuthorshipAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "work", "author"]
    list_select_related = ["work", "author"]
    search_fields = ["raw_name", "name", "work__title"]
    raw_id_fields = ["work", "author"]
    readonly_fields = ["raw_name", "raw_affiliations"]
    list_filter = ["attribution", "locked"]


@admin.register(Citation)
class CitationAdmin(admin.ModelAdmin):
    list_display = ["citing", "cited_scheme", "cited_value", "cited", "source"]
    list_select_related = ["citing", "cited"]
    list_filter = ["source", "cited_scheme"]
    search_fields = ["cited_value", "citing__title"]
    raw_id_fields = ["citing", "cited"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "scheme", "parent"]
    list_filter = ["scheme"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "ror_id", "country_code"]
    list_filter = ["country_code"]
    search_fields = ["name", "ror_id"]


@admin.register(Affiliation)
class AffiliationAdmin(admin.ModelAdmin):
    list_display = ["author", "institution", "start_year", "end_year"]
    list_select_related = ["author", "institution"]
    search_fields = ["author__display_name", "institution__name"]
    raw_id_fields = ["author", "institution"]


@admin.register(AuthorIdentifier)
class AuthorIdentifierAdmin(admin.ModelAdmin):
    list_display = ["scheme", "value", "author", "source"]
    list_filter = ["scheme", "source"]
    list_select_related = ["author"]
    search_fields = ["value", "author__display_name"]
    raw_id_fields = ["author"]


@admin.register(SourceRecord)
class SourceRecordAdmin(admin.ModelAdmin):
    list_display = ["source", "external_id", "work", "fetched_at", "import_run"]
    list_filter = ["source"]
    list_select_related = ["work", "import_run"]
    search_fields = ["external_id", "payload_hash"]
    raw_id_fields = ["work", "author", "institution", "import_run"]
    readonly_fields = [
        "source",
        "external_id",
        "fetched_at",
        "payload_hash",
        "import_run",
    ]


class ImportFailureInline(admin.TabularInline):
    model = ImportFailure
    fk_name = "import_run"
    extra = 0
    can_delete = False
    readonly_fields = ["external_id", "error", "payload", "created_at", "retried_in"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "source",
        "status",
        "seen",
        "created",
        "updated",
        "unchanged",
        "failed",
        "progress_display",
        "rate_display",
        "created_at",
        "finished_at",
    ]
    list_filter = ["source", "status"]
    actions = ["retry_failed"]
    search_fields = ["error", "parameters"]
    readonly_fields = [
        "source",
        "parameters",
        "status",
        "seen",
        "created",
        "updated",
        "unchanged",
        "failed",
        "total",
        "checkpoint",
        "error",
        "created_at",
        "started_at",
        "finished_at",
    ]
    inlines = [ImportFailureInline]

    @admin.display(description="progress")
    def progress_display(self, run: ImportRun) -> str:
        return "" if run.progress is None else f"{run.progress:.0%}"

    @admin.display(description="records/s")
    def rate_display(self, run: ImportRun) -> str:
        return "" if run.rate is None else f"{run.rate:.1f}"

    @admin.action(description="Retry the failed records of the selected runs")
    def retry_failed(self, request, queryset):
        for run in queryset:
            try:
                retry = import_run_retry_failures(run=run)
            except ValueError as exc:
                self.message_user(request, str(exc), level=messages.WARNING)
                continue
            transaction.on_commit(lambda pk=retry.pk: import_run_execute_task.delay(pk))
            self.message_user(
                request,
                f"Run {retry.pk} retries the {run.failed} failed records of run {run.pk}.",
                level=messages.SUCCESS,
            )


@admin.register(ImportFailure)
class ImportFailureAdmin(admin.ModelAdmin):
    list_display = ["external_id", "import_run", "error", "created_at", "retried_in"]
    list_select_related = ["import_run", "retried_in"]
    search_fields = ["external_id", "error"]
    readonly_fields = [
        "import_run",
        "external_id",
        "error",
        "payload",
        "created_at",
        "retried_in",
    ]
