from django.urls import path

from . import views

app_name = "publications"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("works/<int:work_id>/", views.work_detail, name="work_detail"),
    path(
        "works/<int:work_id>/citations/",
        views.work_citations,
        name="work_citations",
    ),
    # <path:code>: arXiv codes hold dots and hyphens (cond-mat.stat-mech,
    # hep-th), OpenAlex levels a slash (subfields/3104).
    path("topics/<slug:scheme>/<path:code>/", views.topic_detail, name="topic_detail"),
    path(
        "institutions/<int:institution_id>/",
        views.institution_detail,
        name="institution_detail",
    ),
]
