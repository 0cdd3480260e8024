from django.urls import path

from . import partial_views, views

app_name = "graph"

urlpatterns = [
    path(
        "authors/<int:author_id>/slice/",
        partial_views.author_slice,
        name="author_slice",
    ),
    path("explore.json", views.explore_data, name="explore_data"),
]
