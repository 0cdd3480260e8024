"""The project's URLs: each app's own, the API, the schema and the admin."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from graph.views import explore
from profiles.moderation_views import author_history
from publications import views as publication_views

urlpatterns = [
    path("", publication_views.home, name="home"),
    path("", include("publications.urls")),
    path("", include("profiles.urls")),
    path("authors/<int:author_id>/history/", author_history, name="author_history"),
    path("moderation/", include("profiles.moderation_urls")),
    path("graph/", include("graph.urls")),
    path("explore/", explore, name="explore"),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("bzpeer.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("admin/", admin.site.urls),
    path(
        "favicon.ico",
        RedirectView.as_view(url="/static/img/favicon.svg", permanent=True),
    ),
]
