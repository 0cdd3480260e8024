"""``manage.py recount``: recompute every author's stored counters from scratch."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from publications.services.counters import authors_recount_all


class Command(BaseCommand):
    help = "Recount works, topics and close collaborators of every author."

    def handle(self, *args, **options):
        changed = authors_recount_all()
        self.stdout.write(f"{changed} author(s) had stale counters; now fixed.")
