"""``manage.py similarities``: recompute similar works, authors and key terms now."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from graph.similarity_services import similarities_recompute


class Command(BaseCommand):
    help = "Recompute similar works, similar authors and key terms of every work."

    def handle(self, *args, **options):
        counts = similarities_recompute()
        self.stdout.write(
            f"{counts.similar_works} similar work(s), "
            f"{counts.similar_authors} similar author(s), "
            f"key terms for {counts.key_terms} work(s) in {counts.seconds} s."
        )
