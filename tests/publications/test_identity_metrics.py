"""Pairwise and B-cubed scores on tiny clusterings with answers worked by hand."""

from __future__ import annotations

import pytest

from publications.identity_metrics import b_cubed_scores, f1_score, pairwise_scores

TRUTH = [{"a", "b", "c"}, {"d", "e"}]
ONE_BLOCK = dict.fromkeys("abcde", "x smith")


def test_perfect_clustering_scores_one_everywhere():
    assert pairwise_scores(TRUTH, TRUTH, ONE_BLOCK) == (1.0, 1.0, 1.0)
    assert b_cubed_scores(TRUTH, TRUTH) == (1.0, 1.0, 1.0)


def test_all_singletons_have_full_precision_and_no_pairwise_recall():
    singletons = [{m} for m in "abcde"]
    assert pairwise_scores(singletons, TRUTH, ONE_BLOCK) == (1.0, 0.0, 0.0)
    # B-cubed recall: a, b, c see 1/3 of their cluster, d and e 1/2.
    precision, recall, _ = b_cubed_scores(singletons, TRUTH)
    assert precision == 1.0
    assert recall == pytest.approx((3 * (1 / 3) + 2 * (1 / 2)) / 5)


def test_one_big_cluster_has_full_recall():
    everything = [set("abcde")]
    # 10 pairs claimed, 3 + 1 of them true.
    assert pairwise_scores(everything, TRUTH, ONE_BLOCK) == pytest.approx(
        (0.4, 1.0, f1_score(0.4, 1.0))
    )
    # B-cubed precision: a, b, c share 3/5, d and e 2/5.
    precision, recall, _ = b_cubed_scores(everything, TRUTH)
    assert precision == pytest.approx((3 * 0.6 + 2 * 0.4) / 5)
    assert recall == 1.0


def test_a_split_and_a_wrong_merge():
    predicted = [{"a", "b"}, {"c", "d", "e"}]
    # Claimed pairs ab, cd, ce, de: ab and de true. True pairs ab, ac, bc, de.
    assert pairwise_scores(predicted, TRUTH, ONE_BLOCK) == pytest.approx(
        (0.5, 0.5, 0.5)
    )
    # Precision: a, b 1; c 1/3; d, e 2/3. Recall: a, b 2/3; c 1/3; d, e 1.
    precision, recall, f1 = b_cubed_scores(predicted, TRUTH)
    assert precision == pytest.approx((2 + 1 / 3 + 4 / 3) / 5)
    assert recall == pytest.approx((4 / 3 + 1 / 3 + 2) / 5)
    assert f1 == pytest.approx(f1_score(precision, recall))


def test_pairs_across_blocks_are_not_counted():
    # d and e are truly one person but in two blocks: no pair to score.
    blocks = {"a": "x smith", "b": "x smith", "c": "x smith", "d": "d e", "e": "e d"}
    predicted = [{"a", "b", "c"}, {"d"}, {"e"}]
    assert pairwise_scores(predicted, TRUTH, blocks) == (1.0, 1.0, 1.0)
    # B-cubed still sees the split.
    assert b_cubed_scores(predicted, TRUTH).recall == pytest.approx((3 + 0.5 + 0.5) / 5)


def test_a_mention_in_two_clusters_is_rejected():
    with pytest.raises(ValueError, match="two clusters"):
        b_cubed_scores([{"a"}, {"a", "b"}], TRUTH)


def test_f1_of_nothing_is_zero():
    assert f1_score(0.0, 0.0) == 0.0
