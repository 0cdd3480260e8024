"""Write N realistic arXiv snapshot lines, for benchmarks and load tests.

    python scripts/generate_snapshot.py --records 100000 --out /tmp/s.jsonl.gz

Every line has the snapshot's fields in its order, built from the real
sample in tests/fixtures/arxiv_snapshot/: its category codes, its titles and
abstracts (whole, with their TeX and hard wraps), its nulls; names are
made with accents, TeX escapes, particles and suffixes. Authors recur as
they do in arXiv: each author of a work is a new person one time in
``NEW_PERSON`` (1 in 5), else someone already published, chosen in
proportion to a weight each person is given once, Pareto-distributed
(``WEIGHT_SHAPE``, at most ``WEIGHT_MOST``): most people have a few works,
a few have hundreds. 100,000 records name about 65,000 people, a million
about 500,000, and common surnames (Wang, Li, Kim) are shared by many of
them. Same seed, same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from array import array
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

SAMPLE = (
    Path(__file__).resolve().parent.parent
    / "tests"
    / "fixtures"
    / "arxiv_snapshot"
    / "wanng-ide_arxivSpider_mnbvc"
    / "arxiv-metadata-oai-snapshot_first200.jsonl"
)
FIRST = ["Ana", "Benoît", "Søren", "Zoë", "Łukasz", "José", "Mei", "Hiroshi",
         "Olga", "Pierre", "Ngozi", "Raúl", "Ingrid", "Tomás", "Aylin", "Ivan",
         "Priya", "Jörg", "Émilie", "Chen", "Fatima", "David", "Sarah", "Kai",
         "A.", "B. K.", "C. -P.", "J. M.", "M.", "S."]  # fmt: skip
LAST = ["Dherin", "Müller", "Nakamura", "García", "Kowalski", "Ødegaard",
        "Smith", "van der Berg", "de la Cruz", "Li", "Wang", "Zhang", "Okafor",
        "Petrov", "Rossi", "Dubois", "Y\N{LATIN SMALL LETTER DOTLESS I}lmaz", "Andersson", "Gómez", "Nguyen",
        'M\\"uller', "Erd\\H{o}s", "Bal\\'azs", "Kim", "O'Neil", "Schäfer"]  # fmt: skip
SUFFIXES = ["Jr", "II", "III"]
# The share of people whose name has a suffix: the real sample's authors
# have 2 in 1,074.
SUFFIX_SHARE = 0.005
# Made names: "Kovarin", "Tebasu", ... (with a common surname one time in
# three, and a given name from FIRST one time in two).
SYLLABLES = ["ka", "lo", "mi", "ra", "te", "vo", "su", "ne", "di", "ba", "zu",
             "sha", "ren", "gal", "tor", "min", "vek", "dar", "lin", "sor",
             "hu", "ja", "pe", "qi", "xo", "yel", "wen", "fa", "cho", "ost"]  # fmt: skip
NEW_PERSON = 0.2
# How much more often than others a person publishes: Pareto-distributed
# (most people 1, a few up to WEIGHT_MOST).
WEIGHT_SHAPE = 1.5
WEIGHT_MOST = 50
AFFILIATIONS = ["CERN", "Harvard University", "Universität Wien", "ESO",
                "LUTH, CNRS / Observatoire de Paris", "Stanford University"]  # fmt: skip
JOURNALS = ["Phys.Rev.D", "Phys.Rev.Lett.", "JHEP", "Astrophys.J.", "Nucl.Phys.B"]
PUBLISHERS = ["10.1103/PhysRevD", "10.1103/PhysRevLett", "10.1088/1126-6708",
              "10.1016/j.nuclphysb", "10.1142/S0217751X"]  # fmt: skip
LICENSE = "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"


def _sample() -> tuple[list[str], list[str], list[str]]:
    """Real category codes, titles and abstracts (whole, so their TeX holds)."""
    categories, titles, abstracts = set(), [], []
    for line in SAMPLE.read_bytes().splitlines():
        record = json.loads(line)
        categories.update(record["categories"].split())
        titles.append(record["title"])
        abstracts.append(record["abstract"])
    return sorted(categories), titles, abstracts


def _made(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()


def _person(rng: random.Random) -> tuple[str, str, str]:
    """(last, first, suffix) of a new person."""
    last = rng.choice(LAST) if rng.random() < 1 / 3 else _made(rng, rng.choice([2, 3]))
    first = rng.choice(FIRST) if rng.random() < 0.5 else _made(rng, 2)
    suffix = rng.choice(SUFFIXES) if rng.random() < SUFFIX_SHARE else ""
    return last, first, suffix


def generate(records: int, seed: int):
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    categories, titles, abstracts = _sample()
    people: list[tuple[str, str, str]] = []
    # Each person's index, as many times as their weight: a uniform pick
    # from it picks a person in proportion to their weight.
    slots = array("I")
    start = datetime(2007, 4, 1, tzinfo=UTC)
    per_month: dict[str, int] = {}
    for _ in range(records):
        created = start + timedelta(seconds=rng.randrange(0, 17 * 365 * 86400))
        month = created.strftime("%y%m")
        per_month[month] = per_month.get(month, 0) + 1
        width = 4 if month < "1501" else 5
        arxiv_id = f"{month}.{per_month[month]:0{width}d}"
        chosen: list[int] = []
        for _ in range(rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 7, 12])):
            if not slots or rng.random() < NEW_PERSON:
                person = len(people)
                people.append(_person(rng))
                weight = min(int(rng.paretovariate(WEIGHT_SHAPE)), WEIGHT_MOST)
                slots.extend([person] * weight)
            else:
                person = slots[rng.randrange(len(slots))]
                if person in chosen:
                    continue
            chosen.append(person)
        authors = [people[person] for person in chosen]
        parsed = []
        for last, first, suffix in authors:
            entry = [last, first, suffix]
            if rng.random() < 0.05:
                entry.append(rng.choice(AFFILIATIONS))
            parsed.append(entry)
        versions, when = [], created
        for number in range(1, rng.choice([1, 1, 1, 2, 2, 3, 4, 5]) + 1):
            versions.append(
                {"version": f"v{number}", "created": format_datetime(when, usegmt=True)}
            )
            when += timedelta(days=rng.randrange(1, 400), seconds=rng.randrange(86400))
        cats = rng.sample(categories, rng.choice([1, 1, 2, 3]))
        published = rng.random() < 0.45
        year = when.year
        yield {
            "id": arxiv_id,
            "submitter": f"{authors[0][1]} {authors[0][0]}",
            "authors": ", ".join(f"{f} {last}" for last, f, _ in authors),
            "title": rng.choice(titles),
            "comments": rng.choice([None, f"{rng.randrange(4, 60)} pages, {rng.randrange(1, 20)} figures"]),
            "journal-ref": f"{rng.choice(JOURNALS)}{rng.randrange(1, 99)}:{rng.randrange(1000, 99999)},{year}" if published else None,
            "doi": f"{rng.choice(PUBLISHERS)}.{rng.randrange(1, 99)}.{rng.randrange(1000, 999999)}" if published and rng.random() < 0.8 else None,
            "report-no": None,
            "categories": " ".join(cats),
            "license": rng.choice([None, LICENSE]),
            "abstract": rng.choice(abstracts),
            "versions": versions,
            "update_date": when.date().isoformat(),
            "authors_parsed": parsed,
        }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, required=True)
    parser.add_argument("--out", required=True, help="FILE.jsonl or FILE.jsonl.gz")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with open(args.out, "wb") as raw:
        # mtime=0: the gzip header would otherwise make each run's bytes differ.
        out = (
            gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0)
            if args.out.endswith(".gz")
            else raw
        )
        for record in generate(args.records, args.seed):
            out.write(json.dumps(record).encode() + b"\n")
        out.close()


if __name__ == "__main__":
    main()
