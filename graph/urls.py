from django.urls import path

from . import partial_views

app_name = "graph"

urlpatterns = [
    path(
        "authors/<int:author_id>/slice/",
        partial_views.author_slice,
        name="author_slice",
    ),
]
