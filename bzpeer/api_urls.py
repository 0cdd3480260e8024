"""The read-only API under /api/v1/: one explicit path per operation."""

from django.urls import path

from profiles.api import AuthorDetailApi, AuthorWorksApi
from publications.api import SearchApi, WorkDetailApi

app_name = "api"

urlpatterns = [
    path("works/<int:work_id>/", WorkDetailApi.as_view(), name="work_detail"),
    path("search/", SearchApi.as_view(), name="search"),
    path("authors/<int:author_id>/", AuthorDetailApi.as_view(), name="author_detail"),
    path(
        "authors/<int:author_id>/works/", AuthorWorksApi.as_view(), name="author_works"
    ),
]
