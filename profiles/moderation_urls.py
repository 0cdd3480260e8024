"""Staff moderation under /moderation/ (the public record history is in bzpeer.urls)."""

from django.urls import path

from . import moderation_views as views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("claims/<int:claim_id>/", views.claim_detail, name="claim_detail"),
    path(
        "claims/<int:claim_id>/approve/",
        views.claim_approve_view,
        name="claim_approve",
    ),
    path("claims/<int:claim_id>/reject/", views.claim_reject_view, name="claim_reject"),
    path("authors/<int:author_id>/merge/", views.author_merge, name="author_merge"),
    path("authors/<int:author_id>/split/", views.author_split, name="author_split"),
    path(
        "changes/<int:entry_id>/undo/",
        views.identity_change_undo_view,
        name="identity_change_undo",
    ),
]
