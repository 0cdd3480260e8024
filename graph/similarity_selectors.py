"""Reads of the similarity tables, shaped for the paper page and the profile.

Each selector is one query over the precomputed rows (see
``graph.similarity_services``) and formats the reason, so templates only loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.models import SimilarAuthor, SimilarWork, WorkKeyTerms


@dataclass(frozen=True)
class SimilarWorkRow:
    url: str
    title: str
    year: int | None
    percent: int  # the cosine, 0-100
    reason: str  # "shared terms: quantum monte carlo, helium"


@dataclass(frozen=True)
class SimilarAuthorRow:
    url: str
    name: str
    percent: int
    reason: str  # "shared topics: …; shared co-authors: …"


def similar_works_for(work_id: int) -> list[SimilarWorkRow]:
    """The work's similar works, nearest first. One query."""
    rows = (
        SimilarWork.objects.filter(work_id=work_id)
        .select_related("similar")
        .only("score", "shared_terms", "rank", "similar__title", "similar__year")
        .order_by("rank")
    )
    return [
        SimilarWorkRow(
            url=row.similar.get_absolute_url(),
            title=row.similar.title,
            year=row.similar.year,
            percent=round(row.score * 100),
            reason=_reason(("shared terms", row.shared_terms)),
        )
        for row in rows
    ]


def key_terms_for(work_id: int) -> list[str]:
    """The work's key terms, best first; [] until computed. One query."""
    terms = (
        WorkKeyTerms.objects.filter(work_id=work_id)
        .values_list("terms", flat=True)
        .first()
    )
    return list(terms or [])


def similar_authors_for(author_id: int) -> list[SimilarAuthorRow]:
    """The author's similar authors, nearest first, merged ones left out. One query."""
    rows = (
        SimilarAuthor.objects.filter(
            author_id=author_id, similar__merged_into__isnull=True
        )
        .select_related("similar")
        .only(
            "score",
            "shared_topics",
            "shared_coauthors",
            "rank",
            "similar__display_name",
        )
        .order_by("rank")
    )
    return [
        SimilarAuthorRow(
            url=row.similar.get_absolute_url(),
            name=row.similar.display_name,
            percent=round(row.score * 100),
            reason=_reason(
                ("shared topics", row.shared_topics),
                ("shared co-authors", row.shared_coauthors),
            ),
        )
        for row in rows
    ]


def _reason(*parts: tuple[str, list[str]]) -> str:
    return "; ".join(f"{label}: {', '.join(items)}" for label, items in parts if items)
