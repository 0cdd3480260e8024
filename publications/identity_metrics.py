"""How close a clustering of author mentions is to the true one.

Pure functions, no ORM, so that ``manage.py evaluate_identity`` and the tests
score identity resolution the same way. A clustering is any iterable of sets
of mention ids; each mention is in at most one set.

Two families, as in S2AND's evaluation:

- *pairwise within blocks*: every pair of mentions that share a name block
  is a decision, "same person" or not. Precision is the share of pairs put
  together that truly belong together; recall the share of true pairs that
  were put together. Pairs across blocks are never compared by a blocked
  resolver, so they are not counted. Large clusters weigh quadratically.
- *B-cubed*: for each mention, precision is the share of its predicted
  cluster that is truly the same person, recall the share of its true
  cluster that it was put with; both are averaged over mentions, so every
  mention weighs the same.

An empty denominator scores 1.0 (nothing claimed, nothing wrong), the usual
convention, so that singletons-only output has precision 1 and a low recall.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from typing import NamedTuple


class Scores(NamedTuple):
    precision: float
    recall: float
    f1: float


def f1_score(precision: float, recall: float) -> float:
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def _labels(clusters: Iterable[Iterable[Hashable]]) -> dict[Hashable, int]:
    labels: dict[Hashable, int] = {}
    for number, cluster in enumerate(clusters):
        for mention in cluster:
            if mention in labels:
                raise ValueError(f"mention {mention!r} is in two clusters")
            labels[mention] = number
    return labels


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise_scores(
    predicted: Iterable[Iterable[Hashable]],
    truth: Iterable[Iterable[Hashable]],
    block_of: Mapping[Hashable, str],
) -> Scores:
    """Pairwise precision, recall and F1 over pairs of mentions in one block.

    Only mentions in ``block_of`` are scored; a mention missing from a
    clustering counts as a singleton there.
    """
    predicted_label = _labels(predicted)
    true_label = _labels(truth)
    predicted_sizes: Counter[tuple] = Counter()
    true_sizes: Counter[tuple] = Counter()
    both_sizes: Counter[tuple] = Counter()
    for mention, block in block_of.items():
        p = predicted_label.get(mention, ("alone", mention))
        t = true_label.get(mention, ("alone", mention))
        predicted_sizes[block, p] += 1
        true_sizes[block, t] += 1
        both_sizes[block, p, t] += 1
    together = sum(_pairs(n) for n in predicted_sizes.values())
    truly_together = sum(_pairs(n) for n in true_sizes.values())
    right = sum(_pairs(n) for n in both_sizes.values())
    precision = right / together if together else 1.0
    recall = right / truly_together if truly_together else 1.0
    return Scores(precision, recall, f1_score(precision, recall))


def b_cubed_scores(
    predicted: Iterable[Iterable[Hashable]],
    truth: Iterable[Iterable[Hashable]],
) -> Scores:
    """B-cubed precision, recall and F1, averaged over the truth's mentions.

    A mention the prediction left out counts as a singleton there.
    """
    predicted_label = _labels(predicted)
    true_label = _labels(truth)
    if not true_label:
        return Scores(1.0, 1.0, 1.0)

    def predicted_of(mention: Hashable) -> Hashable:
        return predicted_label.get(mention, ("alone", mention))

    predicted_sizes = Counter(predicted_of(m) for m in true_label)
    true_sizes = Counter(true_label.values())
    both_sizes = Counter((predicted_of(m), t) for m, t in true_label.items())
    precision = recall = 0.0
    for mention, t in true_label.items():
        p = predicted_of(mention)
        shared = both_sizes[p, t]
        precision += shared / predicted_sizes[p]
        recall += shared / true_sizes[t]
    precision /= len(true_label)
    recall /= len(true_label)
    return Scores(precision, recall, f1_score(precision, recall))
