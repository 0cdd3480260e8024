"""Institutions: the configured e-mail domains used to prove a claim."""

from __future__ import annotations

from publications.models import Institution
from publications.names import name_key


def institution_domains_set(*, name: str, domains: list[str]) -> Institution | None:
    """Set the e-mail domains of the institution with this name, if known.

    Domains are stored lower-case without a leading "@" or "."; an unknown
    institution name is ignored (returns None) so a configuration file can
    list institutions that a database has not imported yet.
    """
    institution = Institution.objects.filter(name_key=name_key(name)).first()
    if institution is None:
        return None
    cleaned = sorted({d.strip().lower().lstrip("@.") for d in domains if d.strip()})
    if institution.domains != cleaned:
        institution.domains = cleaned
        institution.save(update_fields=["domains"])
    return institution
