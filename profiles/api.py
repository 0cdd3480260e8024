"""The read-only API of the people side: an author's record and its works.

Built from ``profiles.selectors``, as the profile page is; the work rows and
page envelope are ``publications.api``'s, so a work row has one shape in the
whole API. Nothing about users leaves here: followers are a stored count,
never identities, and no e-mail is read.

A merged-away author answers 301 to the same endpoint of the record it was
merged into (following chains of merges), as its HTML page does. A name form
the researcher hid is never listed.
"""

from __future__ import annotations

from django.http import HttpResponsePermanentRedirect
from django.urls import reverse
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

from profiles import selectors
from profiles.models import AuthorStanding
from publications.api import AbsoluteUrlField, PaginatedWorkRowsSerializer

VERIFICATION_LEVELS = ["L0", "L1", "L2", "L3"]


def _redirect_to_kept(request: Request, url_name: str, author):
    """301 to the kept author's endpoint, query string kept."""
    url = reverse(url_name, args=[selectors.author_kept(author=author).pk])
    if query := request.META.get("QUERY_STRING"):
        url = f"{url}?{query}"
    return HttpResponsePermanentRedirect(url)


MERGED_RESPONSE = OpenApiResponse(
    description="Merged into another author: Location is the kept author's URL."
)


class TrustComponentSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    points = serializers.IntegerField()
    max_points = serializers.IntegerField(allow_null=True)
    inputs = serializers.DictField(help_text="The facts the points came from.")
    rule = serializers.CharField()


class TrustSerializer(serializers.Serializer):
    score = serializers.IntegerField(source="trust_score")
    band = serializers.CharField(source="trust_band")
    verification_level = serializers.SerializerMethodField()
    claim_status = serializers.ChoiceField(choices=AuthorStanding.ClaimStatus.choices)
    components = TrustComponentSerializer(many=True)

    @extend_schema_field(serializers.ChoiceField(choices=VERIFICATION_LEVELS))
    def get_verification_level(self, standing: AuthorStanding) -> str:
        return f"L{standing.verification_level}"


class AuthorCountsSerializer(serializers.Serializer):
    works = serializers.IntegerField(source="author.works_count")
    followers = serializers.IntegerField(source="standing.followers_count")
    topics = serializers.IntegerField(source="author.topics_count")
    close_collaborators = serializers.IntegerField(source="author.collaborators_count")


class AuthorTopicSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    works = serializers.IntegerField(source="n_works")


class CollaboratorSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="author.pk")
    display_name = serializers.CharField(source="author.display_name")
    shared_works = serializers.IntegerField()
    url = AbsoluteUrlField(source="author")


class AuthorDetailApi(APIView):
    """An author's record: trust figures, counts, names, topics, collaborators."""

    @extend_schema_serializer(component_name="AuthorDetail")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField(source="author.pk")
        display_name = serializers.CharField(source="author.display_name")
        headline = serializers.CharField(source="author.headline")
        url = AbsoluteUrlField(source="author")
        open_to_collaborate = serializers.BooleanField(
            source="author.open_to_collaborate"
        )
        affiliation = serializers.CharField(
            allow_null=True, help_text="The latest institution's name."
        )
        trust = TrustSerializer(source="standing")
        counts = AuthorCountsSerializer(source="*")
        aliases = serializers.ListField(
            child=serializers.CharField(),
            help_text="Name forms the sources printed (those the researcher "
            "hid left out).",
        )
        topics = AuthorTopicSerializer(many=True)
        close_collaborators = CollaboratorSerializer(many=True)

    @extend_schema(
        tags=["authors"],
        responses={
            200: OutputSerializer,
            301: MERGED_RESPONSE,
            404: OpenApiResponse(description="No such author."),
        },
    )
    def get(self, request: Request, author_id: int):
        author = selectors.author_for_page(author_id=author_id)
        if author.merged_into_id:
            return _redirect_to_kept(request, "api:author_detail", author)
        affiliation = selectors.latest_affiliation(author=author)
        record = {
            "author": author,
            "standing": selectors.author_standing(author),
            "affiliation": affiliation.institution.name if affiliation else None,
            "aliases": list(
                author.aliases.filter(hidden=False).values_list("name", flat=True)
            ),
            "topics": selectors.author_topics(author=author),
            "close_collaborators": selectors.close_collaborators(author=author),
        }
        return Response(
            self.OutputSerializer(record, context={"request": request}).data
        )


class AuthorWorksApi(APIView):
    """An author's works, sorted and paginated as on the profile page."""

    class FilterSerializer(serializers.Serializer):
        sort = serializers.ChoiceField(
            choices=list(selectors.WORK_SORTS), default=selectors.DEFAULT_SORT
        )
        page = serializers.IntegerField(required=False, default=1, min_value=1)

    @extend_schema(
        tags=["authors"],
        parameters=[FilterSerializer],
        # The same envelope as search's works.
        responses={
            200: PaginatedWorkRowsSerializer,
            301: MERGED_RESPONSE,
            400: OpenApiResponse(description="Invalid query parameters."),
            404: OpenApiResponse(description="No such author."),
        },
    )
    def get(self, request: Request, author_id: int):
        author = selectors.author_for_page(author_id=author_id)
        if author.merged_into_id:
            return _redirect_to_kept(request, "api:author_works", author)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = selectors.author_works(
            author=author,
            sort=filters.validated_data["sort"],
            page_number=filters.validated_data["page"],
        )
        return Response(
            PaginatedWorkRowsSerializer(page, context={"request": request}).data
        )
