"""``manage.py evaluate_identity``: score the identity rules on a labelled set.

Reads author mentions ("signatures") and true clusters in S2AND's JSON
format, groups each name block and prints pairwise (within blocks) and
B-cubed precision, recall and F1 for:

- "resolver": the resolver's own decisions
  (``identity_scoring.resolve_block``: ``choose_candidate`` one mention at
  a time in the file's order, as imports decide authorships, then once more
  as re-resolution does), with the name and affiliation rules that
  ``publications.services.identity`` applies to authorships;
- "identity_scoring": the same pairwise rules clustered as a batch
  (``cluster_block``, average linkage), for comparison;
- two baselines: "same normalised full name" and "same full name and same
  first affiliation".

Figures are printed for the whole file and for its two halves split by a
stable hash of the block name (CRC-32, even / odd), so that rules developed
on one half can be checked on the other.
"""

from __future__ import annotations

import json
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from publications.identity_metrics import Scores, b_cubed_scores, pairwise_scores
from publications.identity_scoring import (
    Mention,
    NameParts,
    cluster_block,
    coauthor_key,
    resolve_block,
)
from publications.names import name_key

Clusterer = Callable[[Sequence[Mention]], list[set[Hashable]]]


def block_part(block: str) -> str:
    """'even' or 'odd': a stable split of blocks, the same on every run."""
    return "even" if zlib.crc32(block.encode()) % 2 == 0 else "odd"


def load_signatures(path: Path) -> tuple[dict[str, Mention], dict[str, str]]:
    """Mentions by signature id, and the name block of each."""
    raw = json.loads(path.read_text())
    by_paper: dict[object, list[str]] = defaultdict(list)
    names: dict[str, NameParts] = {}
    for sid, signature in raw.items():
        info = signature["author_info"]
        names[sid] = NameParts.from_parts(
            info.get("first"), info.get("middle"), info["last"]
        )
        by_paper[signature.get("paper_id")].append(sid)
    mentions: dict[str, Mention] = {}
    blocks: dict[str, str] = {}
    for sid, signature in raw.items():
        info = signature["author_info"]
        # Mentions on one paper are each other's co-authors.
        coauthors = frozenset(
            coauthor_key(names[other])
            for other in by_paper[signature.get("paper_id")]
            if other != sid
        )
        mentions[sid] = Mention(
            id=sid,
            name=names[sid],
            affiliations=tuple(info.get("affiliations") or ()),
            coauthors=coauthors,
        )
        blocks[sid] = info["block"]
    return mentions, blocks


def load_clusters(path: Path) -> list[set[str]]:
    raw = json.loads(path.read_text())
    return [set(cluster["signature_ids"]) for cluster in raw.values()]


def _group_by(mentions: Sequence[Mention], key: Callable[[Mention], Hashable]):
    groups: dict[Hashable, set[Hashable]] = defaultdict(set)
    for mention in mentions:
        groups[key(mention)].add(mention.id)
    return list(groups.values())


def _full_name(mention: Mention) -> str:
    return name_key(mention.name.text)


def same_full_name(mentions: Sequence[Mention]) -> list[set[Hashable]]:
    return _group_by(mentions, _full_name)


def same_name_and_first_affiliation(mentions: Sequence[Mention]):
    def key(mention: Mention) -> tuple:
        first = mention.affiliations[0] if mention.affiliations else ""
        return (_full_name(mention), first)

    return _group_by(mentions, key)


def resolver(mentions: Sequence[Mention]) -> list[set[Hashable]]:
    """The resolver's own decisions, mentions taken in the file's order."""
    return resolve_block(sorted(mentions, key=lambda m: _order(m.id)))


def _order(mention_id: Hashable) -> tuple:
    text = str(mention_id)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


METHODS: dict[str, Clusterer] = {
    "same full name": same_full_name,
    "same name + first affiliation": same_name_and_first_affiliation,
    "identity_scoring": cluster_block,
    "resolver": resolver,
}


class Command(BaseCommand):
    help = "Measure the identity rules on an S2AND-format labelled set."

    def add_arguments(self, parser):
        parser.add_argument("--signatures", type=Path, required=True)
        parser.add_argument("--clusters", type=Path, required=True)

    def handle(self, *args, **options):
        try:
            mentions, blocks = load_signatures(options["signatures"])
            truth = load_clusters(options["clusters"])
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"Cannot read the labelled set: {exc}") from exc
        by_block: dict[str, list[Mention]] = defaultdict(list)
        for sid, mention in mentions.items():
            by_block[blocks[sid]].append(mention)

        parts = {
            "whole": set(by_block),
            "even": {b for b in by_block if block_part(b) == "even"},
            "odd": {b for b in by_block if block_part(b) == "odd"},
        }
        self.stdout.write(
            f"{len(mentions)} signatures, {len(by_block)} blocks, "
            f"{len(truth)} true clusters; even half {len(parts['even'])} blocks, "
            f"odd half {len(parts['odd'])} blocks."
        )
        header = (
            f"{'method':<30} {'part':<5} {'pair P':>7} {'pair R':>7} {'pair F1':>7}"
            f" {'B3 P':>7} {'B3 R':>7} {'B3 F1':>7} {'seconds':>8}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for method, clusterer in METHODS.items():
            started = time.perf_counter()
            predicted_by_block = {
                block: clusterer(block_mentions)
                for block, block_mentions in by_block.items()
            }
            seconds = time.perf_counter() - started
            for part, part_blocks in parts.items():
                pairwise, b_cubed = self._score(
                    predicted_by_block, truth, blocks, part_blocks
                )
                self.stdout.write(
                    f"{method:<30} {part:<5} {pairwise.precision:7.3f} "
                    f"{pairwise.recall:7.3f} {pairwise.f1:7.3f} "
                    f"{b_cubed.precision:7.3f} {b_cubed.recall:7.3f} "
                    f"{b_cubed.f1:7.3f} {seconds:8.2f}"
                )

    @staticmethod
    def _score(predicted_by_block, truth, blocks, part_blocks) -> tuple[Scores, Scores]:
        in_part = {sid for sid, block in blocks.items() if block in part_blocks}
        predicted = [
            cluster for block in part_blocks for cluster in predicted_by_block[block]
        ]
        part_truth = [c & in_part for c in truth if c & in_part]
        part_block_of = {sid: blocks[sid] for sid in in_part}
        return (
            pairwise_scores(predicted, part_truth, part_block_of),
            b_cubed_scores(predicted, part_truth),
        )
