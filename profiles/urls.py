from django.urls import path

from . import views

app_name = "profiles"

urlpatterns = [
    path("authors/<int:author_id>/", views.author_detail, name="author_detail_bare"),
    path(
        "authors/<int:author_id>-<str:slug>/", views.author_detail, name="author_detail"
    ),
    path("authors/<int:author_id>/trust/", views.author_trust, name="author_trust"),
    path("authors/<int:author_id>/follow/", views.author_follow, name="author_follow"),
]
