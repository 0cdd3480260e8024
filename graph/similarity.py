"""Pure functions behind "Similar papers", "Similar researchers" and key terms.

No database here: ``graph.similarity_services`` reads the rows, calls these
and stores what they return.

Works are compared by TF-IDF over title + abstract (scikit-learn's
``TfidfVectorizer``): English stop words, unigrams and bigrams, sublinear tf
so a term repeated ten times does not count ten times, and ``min_df=1``
because a department's corpus is small and a term two papers share may be
in only those two; ``max_df`` drops the words almost every abstract has.
The vectors are L2-normalised, so their dot product is the cosine. The
reason given for a pair is the terms that contribute most to that dot
product, i.e. that weigh much in *both* works. TF-IDF rather than
embeddings: no model to download or serve, deterministic, and every score
can be explained by the terms behind it.

Authors are compared by two things, combined with documented weights:
- topics (``TOPIC_WEIGHT``): the cosine of their topic vectors, a topic
  weighing the number of the author's works about it;
- co-author neighbourhood (``COAUTHOR_WEIGHT``): the Jaccard index of their
  co-author sets (each without the other), so two people who work with the
  same group are close even if they never wrote together.
The reason is the topics and co-authors both share.

Neighbours are found a block of rows at a time (sparse product, then
``argpartition`` per row), so memory stays bounded by ``BLOCK_CELLS`` dense
cells whatever the number of works.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

TOP_K = 5
# Below this cosine two works share little more than common words.
MIN_WORK_SCORE = 0.05
MIN_AUTHOR_SCORE = 0.05
KEY_TERMS = 8
SHARED_TERMS = 5
# Terms in more than this share of the works say nothing about any of them
# (only applied from MAX_DF_MIN_WORKS works on: in a tiny corpus it would
# drop everything).
MAX_DF = 0.5
MAX_DF_MIN_WORKS = 20
TOPIC_WEIGHT = 0.6
COAUTHOR_WEIGHT = 0.4
SHARED_TOPICS = 4
SHARED_COAUTHORS = 5
# A work with more authors (a big collaboration) links nobody as co-authors:
# 3000 names on a detector paper say nothing about who works with whom.
MAX_COAUTHORS_PER_WORK = 100
# Dense similarity cells computed at once (8 bytes each, a few arrays): ~200 MB.
BLOCK_CELLS = 5_000_000

# TeX commands (\mathrm, \alpha) and inline maths markers are not words.
_TEX = re.compile(r"\\[A-Za-z]+|\$")
# Words start with a letter: "helium-4" gives "helium", not "4".
_WORD_PATTERN = r"(?u)\b[^\W\d_][\w]+\b"


@dataclass(frozen=True)
class Neighbour:
    """``other`` is the ``rank``-th nearest neighbour of ``item``."""

    item: int
    other: int
    score: float
    rank: int
    reason: list[str]


@dataclass(frozen=True)
class AuthorNeighbour:
    item: int
    other: int
    score: float
    rank: int
    shared_topics: list[str]
    shared_coauthors: list[str]


@dataclass(frozen=True)
class WorkSimilarities:
    neighbours: list[Neighbour]
    key_terms: dict[int, list[str]]


def work_text(title: str, abstract: str) -> str:
    return _TEX.sub(" ", f"{title}. {abstract}")


def similar_works(
    works: Sequence[tuple[int, str, str]],
    *,
    k: int = TOP_K,
    min_score: float = MIN_WORK_SCORE,
) -> WorkSimilarities:
    """The top-k neighbours of each work and each work's key terms.

    ``works`` holds (id, title, abstract). Neighbours come best first with
    the shared terms as their reason; a work with no neighbour above
    ``min_score`` has none.
    """
    ids = [work_id for work_id, _, _ in works]
    texts = [work_text(title, abstract) for _, title, abstract in works]
    if not any(text.strip(". ") for text in texts):
        return WorkSimilarities(neighbours=[], key_terms={})
    vectorizer = TfidfVectorizer(
        stop_words="english",
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=1,
        max_df=MAX_DF if len(texts) >= MAX_DF_MIN_WORKS else 1.0,
        token_pattern=_WORD_PATTERN,
        dtype=np.float64,
    )
    try:
        matrix = vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # no term left (every text was stop words)
        return WorkSimilarities(neighbours=[], key_terms={})
    terms = vectorizer.get_feature_names_out().tolist()
    # Each text as the words the n-grams were made of (stop words gone), so a
    # merged phrase is only shown when the work really says it.
    analyse = vectorizer.build_analyzer()
    unigrams = [
        " " + " ".join(t for t in analyse(text) if " " not in t) + " " for text in texts
    ]

    neighbours = []
    for row, others in top_neighbours(matrix, k=k, min_score=min_score):
        for rank, (col, score) in enumerate(others, start=1):
            shared_cols, weights = _row_product(matrix, row, col)
            neighbours.append(
                Neighbour(
                    item=ids[row],
                    other=ids[col],
                    score=round(score, 4),
                    rank=rank,
                    reason=top_terms(
                        shared_cols,
                        weights,
                        terms,
                        SHARED_TERMS,
                        texts=(unigrams[row], unigrams[col]),
                    ),
                )
            )
    key_terms = {}
    for row in range(matrix.shape[0]):
        cols, weights = _row(matrix, row)
        found = top_terms(cols, weights, terms, KEY_TERMS, texts=(unigrams[row],))
        if found:
            key_terms[ids[row]] = found
    return WorkSimilarities(neighbours=neighbours, key_terms=key_terms)


def top_neighbours(
    vectors: sparse.csr_matrix, *, k: int, min_score: float
) -> Iterator[tuple[int, list[tuple[int, float]]]]:
    """(row, [(other row, cosine), ...] best first) for rows with neighbours.

    The rows must be L2-normalised. Ties are broken by the lower row, so
    the result does not depend on the order numpy happens to pick.
    """
    n = vectors.shape[0]
    block = max(1, BLOCK_CELLS // max(n, 1))
    for start in range(0, n, block):
        stop = min(n, start + block)
        scores = (vectors[start:stop] @ vectors.T).toarray()
        yield from _best_in_block(scores, start=start, k=k, min_score=min_score)


def _best_in_block(
    scores: np.ndarray, *, start: int, k: int, min_score: float
) -> Iterator[tuple[int, list[tuple[int, float]]]]:
    n = scores.shape[1]
    for offset, row in enumerate(scores):
        i = start + offset
        row[i] = -1.0  # never one's own neighbour
        candidates = np.argpartition(-row, k)[: k + 1] if k < n else np.arange(n)
        ranked = sorted(
            (
                (int(j), float(row[j]))
                for j in candidates
                if row[j] >= min_score and j != i
            ),
            key=lambda pair: (-round(pair[1], 9), pair[0]),
        )[:k]
        if ranked:
            yield i, ranked


def top_terms(
    cols: np.ndarray,
    weights: np.ndarray,
    terms: Sequence[str],
    limit: int,
    *,
    texts: Sequence[str] = (),
) -> list[str]:
    """The heaviest terms, best first, with overlapping n-grams folded.

    A phrase hides the single words it contains ("monte carlo" hides
    "carlo"); two bigrams that chain ("quantum monte", "monte carlo") become
    one phrase when every text in ``texts`` (space-padded words) has it.
    A bigram of one word twice ("helium helium") says nothing and is skipped.
    """
    # Heaviest first; ties by column, which is alphabetical (sklearn sorts
    # its vocabulary). Folding skips a few, so look a little further.
    order = cols[np.argsort(-weights, kind="stable")[: limit * 6]]
    chosen: list[list[str]] = []
    for index in order.tolist():
        words = terms[index].split()
        if len(set(words)) < len(words):
            continue
        if any(_contains(kept, words) for kept in chosen):
            continue
        phrase = words
        for pos, kept in enumerate(chosen):
            merged = _chain(kept, words)
            if merged and all(f" {' '.join(merged)} " in text for text in texts):
                phrase = chosen[pos] = merged
                break
        else:
            chosen.append(words)
        # A phrase replaces the single words and shorter phrases it contains.
        chosen = [
            kept for kept in chosen if kept is phrase or not _contains(phrase, kept)
        ]
        if len(chosen) > limit:
            break
    return [" ".join(words) for words in chosen[:limit]]


def _chain(first: list[str], second: list[str]) -> list[str] | None:
    """Chain two bigrams: "quantum monte", "monte carlo" -> "quantum monte carlo"."""
    if len(first) < 2 or len(second) < 2 or len(first) + len(second) > 4:
        return None
    if first[-1] == second[0] and first[0] != second[-1]:
        return first + second[1:]
    if second[-1] == first[0] and second[0] != first[-1]:
        return second + first[1:]
    return None


def _row(matrix: sparse.csr_matrix, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns and values of row i, straight from the CSR arrays (no copy)."""
    start, stop = matrix.indptr[i], matrix.indptr[i + 1]
    return matrix.indices[start:stop], matrix.data[start:stop]


def _row_product(
    matrix: sparse.csr_matrix, i: int, j: int
) -> tuple[np.ndarray, np.ndarray]:
    """Columns set in both rows and the product of their values."""
    cols_i, data_i = _row(matrix, i)
    cols_j, data_j = _row(matrix, j)
    cols, at_i, at_j = np.intersect1d(
        cols_i, cols_j, assume_unique=True, return_indices=True
    )
    return cols, data_i[at_i] * data_j[at_j]


def _contains(words: list[str], part: list[str]) -> bool:
    n = len(part)
    return any(words[i : i + n] == part for i in range(len(words) - n + 1))


def similar_authors(
    authors: Sequence[tuple[int, str]],
    work_authors: Iterable[tuple[int, int]],
    work_topics: Iterable[tuple[int, int]],
    topic_names: dict[int, str],
    *,
    k: int = TOP_K,
    min_score: float = MIN_AUTHOR_SCORE,
    topic_weight: float = TOPIC_WEIGHT,
    coauthor_weight: float = COAUTHOR_WEIGHT,
) -> list[AuthorNeighbour]:
    """The top-k similar authors of each author, with shared topics and co-authors.

    ``authors`` holds (id, name) of the authors to compare; ``work_authors``
    (work id, author id) and ``work_topics`` (work id, topic id) pairs.
    score = topic_weight * topic cosine + coauthor_weight * co-author Jaccard.
    """
    index = {author_id: i for i, (author_id, _) in enumerate(authors)}
    names = [name for _, name in authors]
    n = len(authors)
    if n < 2:
        return []
    by_work: dict[int, set[int]] = defaultdict(set)
    for work_id, author_id in work_authors:
        if author_id in index:
            by_work[work_id].add(index[author_id])
    topics_of_work: dict[int, list[int]] = defaultdict(list)
    for work_id, topic_id in work_topics:
        topics_of_work[work_id].append(topic_id)

    topic_ids = sorted(topic_names)
    topic_col = {topic_id: j for j, topic_id in enumerate(topic_ids)}
    topic_counts: dict[tuple[int, int], int] = defaultdict(int)
    coauthor_pairs: set[tuple[int, int]] = set()
    for work_id, members in by_work.items():
        for a in members:
            for topic_id in topics_of_work.get(work_id, ()):
                if topic_id in topic_col:
                    topic_counts[a, topic_col[topic_id]] += 1
            if len(members) > MAX_COAUTHORS_PER_WORK:
                continue
            for b in members:
                if a != b:
                    coauthor_pairs.add((a, b))

    topics = _matrix(topic_counts, (n, len(topic_ids)))
    topic_unit = _l2_rows(topics)
    coauthors = _matrix(dict.fromkeys(coauthor_pairs, 1), (n, n))
    degree = np.asarray(coauthors.sum(axis=1)).ravel()

    result = []
    block = max(1, BLOCK_CELLS // n)
    for start in range(0, n, block):
        stop = min(n, start + block)
        cosine = (topic_unit[start:stop] @ topic_unit.T).toarray()
        common = (coauthors[start:stop] @ coauthors.T).toarray()
        # Each without the other: a and b being co-authors is not a shared one.
        linked = coauthors[start:stop].toarray()
        sizes = degree[start:stop, None] + degree[None, :] - 2 * linked
        union = sizes - common
        jaccard = np.divide(
            common, union, out=np.zeros_like(common, dtype=float), where=union > 0
        )
        scores = topic_weight * cosine + coauthor_weight * jaccard
        for i, others in _best_in_block(scores, start=start, k=k, min_score=min_score):
            for rank, (j, score) in enumerate(others, start=1):
                result.append(
                    AuthorNeighbour(
                        item=authors[i][0],
                        other=authors[j][0],
                        score=round(score, 4),
                        rank=rank,
                        shared_topics=[
                            topic_names[topic_ids[col]]
                            for col in _shared_columns(topics, i, j)[:SHARED_TOPICS]
                        ],
                        shared_coauthors=sorted(
                            names[c]
                            for c in _shared_columns(coauthors, i, j)
                            if c not in (i, j)
                        )[:SHARED_COAUTHORS],
                    )
                )
    return result


def _matrix(cells: dict[tuple[int, int], int], shape: tuple[int, int]):
    if not cells:
        return sparse.csr_matrix(shape, dtype=np.float64)
    rows, cols = zip(*cells, strict=True)
    return sparse.csr_matrix(
        (np.fromiter(cells.values(), dtype=np.float64), (rows, cols)), shape=shape
    )


def _l2_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ matrix


def _shared_columns(matrix: sparse.csr_matrix, i: int, j: int) -> list[int]:
    """Columns set in both rows, heaviest (product of values) first."""
    cols, weights = _row_product(matrix, i, j)
    order = sorted(
        zip(cols.tolist(), weights.tolist(), strict=True), key=lambda p: (-p[1], p[0])
    )
    return [col for col, _ in order]
