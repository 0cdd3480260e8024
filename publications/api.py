"""The read-only API of the records: a work, and search over authors and works.

One ``APIView`` per operation, its ``OutputSerializer`` and
``FilterSerializer`` nested; the views call ``publications.selectors`` and
nothing else. The part serializers sit at module level (a nested class body
cannot see its siblings); the row ones (a work row, an authorship, the page
envelope) are shared with ``profiles.api`` so that a work row has one shape
everywhere in the API.

Nested ``OutputSerializer`` classes share a class name across views, so each
one names its schema component with ``extend_schema_serializer``.
"""

from __future__ import annotations

from django.db.models import Model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from publications import selectors
from publications.models import Work


@extend_schema_field(OpenApiTypes.URI)
class AbsoluteUrlField(serializers.Field):
    """The object's HTML page (``get_absolute_url``) on the host the request came to.

    Needs the request in the serializer context.
    """

    def __init__(self, **kwargs) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Model) -> str:
        return self.context["request"].build_absolute_uri(value.get_absolute_url())


class WorkAuthorSerializer(serializers.Serializer):
    """An authorship: the name as printed, and the author record when resolved.

    The name is ``shown_name`` (``selectors.with_shown_names``): a form the
    researcher hid is replaced by the record's display name.
    """

    position = serializers.IntegerField()
    name = serializers.CharField(source="shown_name")
    author_id = serializers.IntegerField(allow_null=True)
    author_url = AbsoluteUrlField(source="author", allow_null=True)


class WorkRowSerializer(serializers.Serializer):
    """A work in a list; reads only the fields ``selectors.work_rows`` loads."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    type = serializers.ChoiceField(source="work_type", choices=Work.Type.choices)
    year = serializers.IntegerField(allow_null=True)
    published = serializers.DateField(allow_null=True)
    venue = serializers.CharField()
    arxiv_id = serializers.CharField()
    authors = WorkAuthorSerializer(source="authorships.all", many=True)
    url = AbsoluteUrlField(source="*")


class AuthorRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    headline = serializers.CharField()
    works_count = serializers.IntegerField()
    url = AbsoluteUrlField(source="*")


class PageSerializer(serializers.Serializer):
    """The envelope of a Django ``Page``; subclasses add ``results``."""

    count = serializers.IntegerField(source="paginator.count")
    page = serializers.IntegerField(source="number")
    num_pages = serializers.IntegerField(source="paginator.num_pages")


class PaginatedWorkRowsSerializer(PageSerializer):
    results = WorkRowSerializer(source="object_list", many=True)


class PaginatedAuthorRowsSerializer(PageSerializer):
    results = AuthorRowSerializer(source="object_list", many=True)


class WorkTopicSerializer(serializers.Serializer):
    code = serializers.CharField(source="topic.code")
    name = serializers.CharField(source="topic.name")
    primary = serializers.BooleanField(source="is_primary")


class WorkVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    submitted = serializers.DateField(allow_null=True)


class CitationsSerializer(serializers.Serializer):
    bibtex = serializers.CharField()
    apa = serializers.CharField(help_text="HTML, every text part escaped.")
    mla = serializers.CharField(help_text="HTML, every text part escaped.")


class CitationRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        source="work_id", allow_null=True, help_text="Null: a work not in BZPEER."
    )
    title = serializers.CharField(
        help_text="For a work not in BZPEER, its identifier ('DOI 10.1/x')."
    )
    url = serializers.CharField(help_text="Its page here, or the identifier's page.")
    authors = serializers.ListField(child=serializers.CharField())
    more_authors = serializers.BooleanField()
    year = serializers.IntegerField(allow_null=True)
    citation_count = serializers.IntegerField(allow_null=True)
    source = serializers.CharField(help_text="The source that listed the citation.")


class CitationNetworkSerializer(serializers.Serializer):
    citing = CitationRowSerializer(many=True, help_text="Works citing it (capped).")
    references = CitationRowSerializer(many=True, help_text="Works it cites (capped).")
    citing_count = serializers.IntegerField(help_text="Works in BZPEER citing it.")
    references_count = serializers.IntegerField()
    references_in_bzpeer = serializers.IntegerField()
    source_count = serializers.IntegerField(
        allow_null=True, help_text="Citations a source counts, when it counts them."
    )
    source_name = serializers.CharField()


class WorkDetailApi(APIView):
    """A work with its authors, topics, versions, how to cite it and its
    citation network."""

    @extend_schema_serializer(component_name="WorkDetail")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField(source="work.pk")
        title = serializers.CharField(source="work.title")
        abstract = serializers.CharField(source="work.abstract")
        type = serializers.ChoiceField(
            source="work.work_type", choices=Work.Type.choices
        )
        year = serializers.IntegerField(source="work.year", allow_null=True)
        published = serializers.DateField(source="work.published", allow_null=True)
        updated = serializers.DateField(source="work.updated", allow_null=True)
        venue = serializers.CharField(source="work.venue")
        journal_ref = serializers.CharField(source="work.journal_ref")
        comments = serializers.CharField(source="work.comments")
        # Identifiers and links are empty strings when the sources gave none.
        doi = serializers.CharField(source="work.doi")
        arxiv_id = serializers.CharField(source="work.arxiv_id")
        arxiv_version = serializers.IntegerField(
            source="work.arxiv_version", allow_null=True
        )
        abs_url = serializers.CharField(source="work.abs_url")
        pdf_url = serializers.CharField(source="work.pdf_url")
        url = AbsoluteUrlField(source="work")
        topics = WorkTopicSerializer(many=True)
        authors = WorkAuthorSerializer(source="authorships", many=True)
        versions = WorkVersionSerializer(source="work.versions.all", many=True)
        citations = CitationsSerializer()
        citation_network = CitationNetworkSerializer()

    @extend_schema(
        tags=["works"],
        responses={
            200: OutputSerializer,
            404: OpenApiResponse(description="No such work."),
        },
    )
    def get(self, request: Request, work_id: int) -> Response:
        page = selectors.work_page(work_id=work_id)
        return Response(self.OutputSerializer(page, context={"request": request}).data)


class SearchApi(APIView):
    """Authors by name or name variant and works by title, arXiv id or DOI."""

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, default="", allow_blank=True)
        page = serializers.IntegerField(required=False, default=1, min_value=1)

    @extend_schema_serializer(component_name="SearchResults")
    class OutputSerializer(serializers.Serializer):
        query = serializers.CharField(help_text="The query as searched, spaces folded.")
        authors = PaginatedAuthorRowsSerializer()
        works = PaginatedWorkRowsSerializer()

    @extend_schema(
        tags=["search"],
        parameters=[FilterSerializer],
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(description="Invalid query parameters."),
        },
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        results = selectors.search(
            query=filters.validated_data["q"],
            page_number=filters.validated_data["page"],
        )
        return Response(
            self.OutputSerializer(results, context={"request": request}).data
        )
