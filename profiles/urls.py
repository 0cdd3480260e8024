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
    path("authors/<int:author_id>/claim/", views.claim_start, name="claim_start"),
    path("authors/<int:author_id>/edit/", views.author_edit, name="author_edit"),
    path("authors/<int:author_id>/names/", views.author_names, name="author_names"),
    path("claims/confirm/<str:token>/", views.claim_confirm, name="claim_confirm"),
    path(
        "claims/<int:claim_id>/withdraw/",
        views.claim_withdraw_view,
        name="claim_withdraw",
    ),
]
