"""``manage.py evaluate_identity`` on a real subset of the Qian set.

The subset is a few complete name blocks (see the README beside it); the
test checks the table, not the figures, which the full set is for.
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import FIXTURES

SIGNATURES = FIXTURES / "disambiguation" / "qian_signatures_subset.json"
CLUSTERS = FIXTURES / "disambiguation" / "qian_clusters_subset.json"
ROW = re.compile(
    r"^(?P<method>.+?)\s+(?P<part>whole|even|odd)"
    r"(?P<scores>(?:\s+\d+\.\d{3}){6})\s+\d+\.\d{2}$"
)


def _run(**options) -> str:
    out = StringIO()
    call_command("evaluate_identity", stdout=out, **options)
    return out.getvalue()


def test_prints_a_row_per_method_and_part_with_scores_between_0_and_1():
    output = _run(signatures=SIGNATURES, clusters=CLUSTERS)

    assert "33 signatures, 3 blocks, 10 true clusters" in output
    for metric in ("pair P", "pair R", "pair F1", "B3 P", "B3 R", "B3 F1"):
        assert metric in output
    rows = [m for m in map(ROW.match, output.splitlines()) if m]
    assert {(m["method"], m["part"]) for m in rows} == {
        (method, part)
        for method in (
            "same full name",
            "same name + first affiliation",
            "identity_scoring",
            "resolver",
        )
        for part in ("whole", "even", "odd")
    }
    for row in rows:
        assert all(0.0 <= float(s) <= 1.0 for s in row["scores"].split())


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        _run(signatures=tmp_path / "nope.json", clusters=CLUSTERS)
