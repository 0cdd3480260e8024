"""``manage.py institution_domains FILE``: configure institutions' e-mail domains.

FILE is JSON: {"Institution name": ["domain.edu", ...], ...}; keys starting
with "_" are comments. Idempotent.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from publications.services.institutions import institution_domains_set


class Command(BaseCommand):
    help = "Set the e-mail domains of institutions from a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        try:
            with open(file, encoding="utf-8") as handle:
                config = json.load(handle)
        except (OSError, ValueError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        known = 0
        for name, domains in config.items():
            if name.startswith("_"):
                continue
            if not isinstance(domains, list):
                raise CommandError(f"{name!r}: expected a list of domains")
            if institution_domains_set(name=name, domains=domains):
                known += 1
            else:
                self.stdout.write(f"  not imported yet: {name}")
        self.stdout.write(f"Domains set for {known} institution(s).")
