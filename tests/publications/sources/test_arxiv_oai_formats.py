"""arXiv OAI-PMH in the ``arXiv`` metadata format, beside ``arXivRaw``.

Parsed field by field on the real ``arXiv``-format responses in
tests/fixtures/arxiv_oai/hepcrawl/ and inspire-next/ (byte-for-byte copies,
see tests/fixtures/arxiv_oai/SOURCES.md), then harvested live through
``responses`` and read from files with ``manage.py import arxiv-oai``.

No paper is in the fixtures in both formats, so the one cross-format test
builds the ``arXiv``-format twin of the real arXivRaw record 0704.0471 by
hand, from that record's own values; it says so where it does it. Pages that
mix formats or carry a resumptionToken are cut from the real files in the
bytes, as tests/publications/services/test_oai_harvest.py does.
"""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
import responses
from django.conf import settings
from django.core.management import CommandError, call_command
from responses import matchers

from publications.models import Authorship, ImportFailure, ImportRun, Work, WorkVersion
from publications.services.import_runs import (
    arxiv_oai_incremental_create,
    import_run_create,
    import_run_execute,
    import_run_resume,
)
from publications.sources import arxiv_oai
from publications.sources.base import ParsedWork, ParseFailure, SourceError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "arxiv_oai"
HEP_EX = FIXTURES / "hepcrawl" / "arxiv-physics-hep-ex.xml"
HEP_TH = FIXTURES / "hepcrawl" / "arxiv-physics-hep-th.xml"
PHYSICS = FIXTURES / "inspire-next" / "GetRecord_physics_0112006_arXiv.xml"
NO_NAMESPACE = FIXTURES / "hepcrawl" / "sample_arxiv_record0.xml"


def only(path: Path) -> ParsedWork:
    (record,) = arxiv_oai.parse(path.read_bytes()).records
    assert isinstance(record, ParsedWork)
    return record


@pytest.fixture(scope="module")
def hep_ex():
    return arxiv_oai.parse(HEP_EX.read_bytes())


def work(page, arxiv_id: str) -> ParsedWork:
    return next(r for r in page.records if r.external_id == arxiv_id)


# --- parsing the arXiv format, field by field --------------------------------


def test_list_records_page_in_arxiv_format(hep_ex) -> None:
    assert [r.external_id for r in hep_ex.records] == [
        "1706.05371",
        "1706.09418",
        "1707.00874",
    ]
    assert all(isinstance(r, ParsedWork) for r in hep_ex.records)
    # The page carries no resumptionToken: it is the whole list.
    assert hep_ex.checkpoint == {
        "resumption_token": "",
        "cursor": 3,
        "response_date": "2017-12-14T13:00:41Z",
    }


def test_published_article_fields(hep_ex) -> None:
    record = work(hep_ex, "1706.09418")

    assert record.source == "arxiv-oai"
    assert record.arxiv_id == "1706.09418"
    assert record.title == record.title_raw == "R-Parity Violation at the LHC"
    assert record.abstract.startswith(
        "We investigate the phenomenology of the MSSM extended by a single R-parity"
        " violating coupling at the unification scale."
    )
    assert record.abstract_raw.startswith("  We investigate the phenomenology")
    # TeX math is shown in Unicode, the raw text keeps it.
    assert "\\bar U\\bar D\\bar D" in record.abstract_raw
    assert "\\bar" not in record.abstract
    assert record.categories == ("hep-ph", "hep-ex")
    assert record.comments == (
        "43 pages, 13 tables, 17 figures; updated Figs. 11-17 and Tab. 12"
        " including NLO corrections; version accepted for publication in EPJC"
    )
    assert record.journal_ref == "Eur. Phys. J. C (2017) 77:856"
    assert record.doi == "10.1140/epjc/s10052-017-5414-4"
    assert record.work_type == "article"
    assert (record.published, record.updated) == (date(2017, 6, 28), date(2017, 11, 26))
    assert [a.name for a in record.authorships] == [
        "Daniel Dercks",
        "Herbi Dreiner",
        "Manuel E. Krauss",
        "Toby Opferkuch",
        "Annika Reinert",
    ]
    assert [a.position for a in record.authorships] == [1, 2, 3, 4, 5]


def test_no_version_list_so_no_versions_and_unversioned_links(hep_ex) -> None:
    record = work(hep_ex, "1706.09418")

    assert record.versions == ()
    assert record.arxiv_version is None
    assert record.abs_url == "https://arxiv.org/abs/1706.09418"
    assert record.pdf_url == "https://arxiv.org/pdf/1706.09418"


def test_preprint_with_wrapped_title(hep_ex) -> None:
    record = work(hep_ex, "1706.05371")

    assert record.title == (
        "Evaluation of Silicon Photomultipliers for use as Photosensors in Liquid"
        " Xenon Detectors"
    )
    assert "Liquid\n  Xenon" in record.title_raw
    assert record.work_type == "preprint"
    assert (record.doi, record.journal_ref) == ("", "")
    assert record.comments == "10 pages, 9 figures"
    assert len(record.authorships) == 13
    assert record.authorships[-1].raw_name == "Mani Tripathi"
    assert record.authorships[-1].position == 13


def test_tex_in_the_title_is_converted_and_kept_raw(hep_ex) -> None:
    record = work(hep_ex, "1707.00874")

    assert record.title == (
        "Implications of right-handed neutrinos in B-L extended standard model"
        " with scalar dark matter"
    )
    assert "$B-L$" in record.title_raw
    assert record.categories == ("hep-ph", "astro-ph.CO", "hep-ex")


def test_never_revised_paper_is_updated_when_created() -> None:
    record = only(PHYSICS)

    assert record.published == record.updated == date(2001, 12, 4)


def test_old_style_id_and_affiliations_per_author() -> None:
    record = only(PHYSICS)

    assert record.arxiv_id == record.external_id == "physics/0112006"
    assert record.abs_url == "https://arxiv.org/abs/physics/0112006"
    assert [(a.raw_name, a.raw_affiliations) for a in record.authorships] == [
        ("G. Fiorentini", ("INFN, Sezione di Ferrara, Ferrara, Italy",)),
        ("L. Okun", ("ITEP, Moscow, Russia",)),
        ("M. Vysotsky", ("ITEP, Moscow, Russia",)),
    ]
    assert record.doi == "10.1134/1.1533770"
    assert record.work_type == "article"
    assert record.categories == ("physics.class-ph", "physics.gen-ph")
    assert record.comments == "2 pages"
    assert record.abstract.startswith("By using fundamental units c, h, G")


def test_msc_class_and_licence_are_not_kept_but_the_rest_is() -> None:
    record = only(FIXTURES / "hepcrawl" / "arxiv-single_GetRecord_1401.2122.xml")

    assert record.arxiv_id == "1401.2122"
    assert record.title == (
        "New integrable (3+1)-dimensional systems and contact geometry"
    )
    assert record.journal_ref == "Lett. Math. Phys. 108 (2018), no. 2, 359-376"
    assert record.doi == "10.1007/s11005-017-1013-4"
    assert record.comments.startswith("16 pages, LaTeX, no figures, revised")
    assert "\n" not in record.comments
    assert record.categories[0] == "math.AP"
    assert (record.published, record.updated) == (date(2014, 1, 9), date(2017, 10, 23))
    # Paragraphs of the abstract (a line starting with spaces) stay one text.
    assert record.abstract.startswith("We introduce a novel systematic construction")
    assert "37K05" not in repr(record)
    assert "licenses" not in repr(record)


def test_pretty_printed_response_reads_the_same_fields() -> None:
    record = only(FIXTURES / "inspire-next" / "GetRecord_1305.0014_arXiv.xml")

    assert record.title == (
        "Framework for maximum likelihood analysis of neutron beta decay"
        " observables to resolve the limits of the V-A law"
    )
    assert record.title_raw.startswith("\n")
    assert record.abstract.startswith("We assess the ability of future neutron")
    assert [a.raw_name for a in record.authorships] == ["S. Gardner", "B. Plaster"]
    assert record.journal_ref == "Phys. Rev. C 87, 065504 (2013)"
    assert record.doi == "10.1103/physrevc.87.065504"
    assert (record.published, record.updated) == (date(2013, 4, 30), date(2013, 6, 28))


def test_escaped_markup_in_the_abstract_is_text() -> None:
    record = only(FIXTURES / "inspire-next" / "GetRecord_1511.01097_arXiv.xml")

    assert "$e_* > 0.2$" in record.abstract_raw
    assert record.title == (
        "Light versus dark in strong-lens galaxies: Dark matter haloes that are"
        " rounder than their stars"
    )
    assert record.categories == ("astro-ph.GA",)
    assert len(record.authorships) == 7


def test_suffix_is_joined_and_a_bare_colon_is_not_an_author() -> None:
    # arXiv split "Keck Array and BICEP2 Collaborations: P. Ade, ..." and
    # left the colon as an author of its own.
    record = only(FIXTURES / "hepcrawl" / "sample_arxiv_record4.xml")
    names = [a.raw_name for a in record.authorships]

    assert names[:4] == ["Keck Array", "BICEP2 Collaborations", "P. Ade", "Z. Ahmed"]
    assert ":" not in names
    assert "R. W. IV" in names
    assert len(names) == 65
    assert [a.position for a in record.authorships] == list(range(1, 66))


def test_every_affiliation_and_every_keyname_is_kept() -> None:
    # The file as the hepcrawl authors edited it: two keynames for one author.
    record = only(FIXTURES / "hepcrawl" / "sample_arxiv_record7.xml")

    first = record.authorships[0]
    assert first.raw_name == "Curtis J. Saxton Walton"
    assert first.raw_affiliations == ("Technion", "DESY")
    assert record.authorships[1].raw_affiliations == ("U.Frankfurt",)
    assert record.authorships[2].raw_affiliations == ()


def test_collaboration_author_with_only_a_keyname() -> None:
    record = only(FIXTURES / "hepcrawl" / "sample_arxiv_record1.xml")

    (author,) = record.authorships
    assert author.raw_name == "Teresa Maria Montaruli for the IceCube Collaboration"


def test_unicode_names_stay_unicode() -> None:
    record = only(FIXTURES / "hepcrawl" / "sample_arxiv_record5.xml")

    assert record.authorships[0].name == "Günter Burigana"
    assert record.authorships[0].raw_affiliations == (
        "on behalf of Planck Collaboration",
    )


ARXIV_FORMAT_FILES = sorted(
    path
    for folder in ("hepcrawl", "inspire-next")
    for path in (FIXTURES / folder).glob("*.xml")
    if "error" not in path.name and path != NO_NAMESPACE
)


@pytest.mark.parametrize("path", ARXIV_FORMAT_FILES, ids=lambda p: p.name)
def test_every_real_arxiv_format_record_parses(path: Path) -> None:
    page = arxiv_oai.parse(path.read_bytes())

    assert page.records
    for record in page.records:
        assert isinstance(record, ParsedWork), record
        assert record.title
        assert record.authorships
        assert record.published
        assert record.arxiv_version is None
        assert record.versions == ()


def test_same_content_gives_same_payload_hash_and_a_change_another(hep_ex) -> None:
    data = HEP_EX.read_bytes()
    again = arxiv_oai.parse(data)
    changed = arxiv_oai.parse(
        data.replace(b"R-Parity Violation at the LHC", b"R-parity violation at LHC")
    )

    assert [r.payload_hash for r in again.records] == [
        r.payload_hash for r in hep_ex.records
    ]
    assert changed.records[1].payload_hash != hep_ex.records[1].payload_hash
    assert changed.records[0].payload_hash == hep_ex.records[0].payload_hash


def test_bad_or_missing_created_date_is_a_failure_of_that_record() -> None:
    data = HEP_EX.read_bytes()
    bad = arxiv_oai.parse(data.replace(b"<created>2017-06-28", b"<created>28.06.2017"))
    missing = arxiv_oai.parse(data.replace(b"<created>2017-06-28</created>", b"", 1))

    for page in (bad, missing):
        failure = page.records[1]
        assert isinstance(failure, ParseFailure)
        assert failure.external_id == "1706.09418"
        assert "1706.09418" in failure.payload
        assert isinstance(page.records[0], ParsedWork)
        assert isinstance(page.records[2], ParsedWork)
    assert "bad created date '28.06.2017'" in bad.records[1].error
    assert "no created date" in missing.records[1].error


# --- both formats ------------------------------------------------------------


def _raw_0704_0471() -> bytes:
    data = (FIXTURES / "ListRecordsResponse.xml").read_bytes()
    start = data.index(b"<record>")
    return data[start : data.index(b"</record>", start) + len(b"</record>")]


# Constructed, not a server response: the arXiv-format twin of the real
# arXivRaw record 0704.0471 above, written from its values (title and
# abstract with their hard wraps, the authors parsed as arXiv parses them,
# the created date of its v1), shaped as the real arXiv-format files are.
TWIN_0704_0471 = (
    b"<record><header><identifier>oai:arXiv.org:0704.0471</identifier>"
    b"<datestamp>2014-11-18</datestamp></header><metadata>"
    b'<arXiv xmlns="http://arxiv.org/OAI/arXiv/">'
    b"<id>0704.0471</id><created>2007-04-03</created><authors>"
    b"<author><keyname>Shetty</keyname><forenames>D.V.</forenames></author>"
    b"<author><keyname>Yennello</keyname><forenames>S.J.</forenames></author>"
    b"<author><keyname>Souliotis</keyname><forenames>G.A.</forenames></author>"
    b"</authors><title>Density dependence of the symmetry energy and the nuclear"
    b" equation of\n  state: A Dynamical and Statistical model perspective</title>"
    b"<categories>nucl-ex nucl-th</categories>"
    b"<comments>16 pages, 14 figures</comments>"
    b"<journal-ref>Phys.Rev.C76:024606,2007; Erratum-ibid.C76:039902,2007"
    b"</journal-ref><doi>10.1103/PhysRevC.76.024606 10.1103/PhysRevC.76.039902"
    b"</doi><abstract>"
)


def _twin() -> bytes:
    raw = _raw_0704_0471()
    start = raw.index(b"<abstract>") + len(b"<abstract>")
    abstract = raw[start : raw.index(b"</abstract>")]
    return TWIN_0704_0471 + abstract + b"</abstract></arXiv></metadata></record>"


def _page(*records: bytes) -> bytes:
    """The real hep-ex response with its records replaced by ``records``."""
    data = HEP_EX.read_bytes()
    head = data[: data.index(b"<record>")]
    tail = data[data.rindex(b"</record>") + len(b"</record>") :]
    return head + b"\n".join(records) + tail


def test_the_same_paper_in_both_formats_gives_the_same_fields() -> None:
    raw, twin = arxiv_oai.parse(_page(_raw_0704_0471(), _twin())).records

    for name in (
        "external_id",
        "title",
        "title_raw",
        "abstract",
        "abstract_raw",
        "categories",
        "doi",
        "journal_ref",
        "comments",
        "work_type",
        "published",
    ):
        assert getattr(twin, name) == getattr(raw, name), name
    assert [a.name for a in twin.authorships] == [a.name for a in raw.authorships]
    assert [a.raw_name for a in twin.authorships] == [
        "D.V. Shetty",
        "S.J. Yennello",
        "G.A. Souliotis",
    ]
    # What only arXivRaw knows.
    assert (raw.arxiv_version, twin.arxiv_version) == (1, None)
    assert (len(raw.versions), twin.versions) == (1, ())


def _records_of(path: Path) -> list[bytes]:
    data = path.read_bytes()
    records = []
    start = data.find(b"<record>")
    while start != -1:
        end = data.index(b"</record>", start) + len(b"</record>")
        records.append(data[start:end])
        start = data.find(b"<record>", end)
    return records


def test_a_page_mixing_formats_reads_each_record_in_its_own() -> None:
    arxiv_records = _records_of(HEP_EX)
    raw_records = _records_of(FIXTURES / "ListRecordsResponse.xml")
    stray = _records_of(NO_NAMESPACE)[0]  # <arXiv> in the OAI namespace

    page = arxiv_oai.parse(
        _page(arxiv_records[0], raw_records[1], stray, arxiv_records[1])
    )

    assert [r.external_id for r in page.records] == [
        "1706.05371",
        "0704.0716",
        "1601.03238",
        "1706.09418",
    ]
    first, raw, failure, last = page.records
    assert isinstance(failure, ParseFailure)
    assert "neither arXivRaw" in failure.error
    assert (first.arxiv_version, raw.arxiv_version, last.arxiv_version) == (
        None,
        4,
        None,
    )
    # Each record parses as it does on a page of its own format.
    alone = arxiv_oai.parse((FIXTURES / "ListRecordsResponse.xml").read_bytes())
    assert raw.payload_hash == alone.records[1].payload_hash
    assert (
        last.payload_hash
        == arxiv_oai.parse(HEP_EX.read_bytes()).records[1].payload_hash
    )


def test_arxiv_element_without_its_namespace_is_a_failure_with_its_xml() -> None:
    # In the real file the hepcrawl authors dropped the xmlns of <arXiv>, so
    # it sits in the OAI namespace: not a format we can vouch for.
    (failure,) = arxiv_oai.parse(NO_NAMESPACE.read_bytes()).records

    assert isinstance(failure, ParseFailure)
    assert failure.external_id == "1601.03238"
    assert "{http://www.openarchives.org/OAI/2.0/}arXiv" in failure.error
    assert "Irreversible degradation of quantum coherence" in failure.payload


def test_arxiv_children_in_the_arxivraw_namespace_are_not_read() -> None:
    data = _page(
        _records_of(HEP_EX)[1].replace(
            b"<title>", b'<title xmlns="http://arxiv.org/OAI/arXivRaw/">'
        )
    )

    (failure,) = arxiv_oai.parse(data).records

    assert isinstance(failure, ParseFailure)
    assert "no title" in failure.error


def test_record_with_empty_metadata_is_a_failure() -> None:
    data = _page(
        b"<record><header><identifier>oai:arXiv.org:1706.05371</identifier>"
        b"</header><metadata></metadata></record>"
    )

    (failure,) = arxiv_oai.parse(data).records

    assert isinstance(failure, ParseFailure)
    assert failure.error == "1706.05371: no metadata"


# --- error responses: unchanged whatever the format ---------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        (
            "dissemin/GetRecord_0704.0001_oai_dc2_cannotDisseminateFormat.xml",
            "cannotDisseminateFormat",
        ),
        (
            "inspire-next/GetRecord_1305.0014v1_error_idDoesNotExist_versioned.xml",
            "idDoesNotExist: This OAI interface supports only",
        ),
        ("inspire-next/GetRecord_1305.9999_error_idDoesNotExist.xml", "idDoesNotExist"),
        ("inspire-next/GetRecord_is-malformed_error.xml", "Malformed identifier"),
        ("ErrorResponseBadArgument.xml", "badArgument"),
    ],
)
def test_oai_errors_are_source_errors(name: str, code: str) -> None:
    with pytest.raises(SourceError, match=code):
        arxiv_oai.parse((FIXTURES / name).read_bytes())


# --- harvesting in the arXiv format ------------------------------------------

TOKEN = "1014431|1001"


def _first_page_with_token() -> bytes:
    """The real hep-ex page with a resumptionToken, as a longer list has."""
    data = HEP_EX.read_bytes()
    token = (
        f'<resumptionToken cursor="0" completeListSize="6">{TOKEN}</resumptionToken>\n'
    ).encode()
    return data.replace(b"</ListRecords>", token + b"</ListRecords>")


@pytest.fixture
def oai():
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture(autouse=True)
def _no_backoff(settings):
    settings.HTTP_RETRY_BACKOFF = 0
    settings.ARXIV_MIN_INTERVAL = 0


def serve_first(oai, *, prefix: str = "arXiv") -> None:
    oai.get(
        settings.ARXIV_OAI_URL,
        body=_first_page_with_token(),
        match=[
            matchers.query_param_matcher(
                {"verb": "ListRecords", "metadataPrefix": prefix}, strict_match=False
            )
        ],
    )


def serve_second(oai, *, status: int = 200) -> None:
    oai.get(
        settings.ARXIV_OAI_URL,
        body=HEP_TH.read_bytes() if status == 200 else b"",
        status=status,
        match=[
            matchers.query_param_matcher(
                {"verb": "ListRecords", "resumptionToken": TOKEN}
            )
        ],
    )


def test_fetch_pages_asks_for_the_chosen_prefix_then_follows_the_token(oai) -> None:
    serve_first(oai)
    serve_second(oai)

    pages = list(arxiv_oai.fetch_pages(from_date="2017-12-14", metadata_prefix="arXiv"))

    assert [r.external_id for p in pages for r in p.records] == [
        "1706.05371",
        "1706.09418",
        "1707.00874",
        "1412.8323",
        "1507.07790",
        "1607.01710",
    ]
    assert oai.calls[0].request.params == {
        "verb": "ListRecords",
        "metadataPrefix": "arXiv",
        "from": "2017-12-14",
    }
    # A resumptionToken is exclusive: the prefix is not sent again.
    assert oai.calls[1].request.params == {
        "verb": "ListRecords",
        "resumptionToken": TOKEN,
    }


def test_fetch_pages_asks_for_arxivraw_by_default(oai) -> None:
    serve_first(oai, prefix="arXivRaw")
    serve_second(oai)

    list(arxiv_oai.fetch_pages())

    assert oai.calls[0].request.params["metadataPrefix"] == "arXivRaw"


def test_fetch_pages_refuses_a_format_it_cannot_read(oai) -> None:
    with pytest.raises(ValueError, match="oai_dc"):
        list(arxiv_oai.fetch_pages(metadata_prefix="oai_dc"))

    assert len(oai.calls) == 0


@pytest.mark.django_db
def test_command_harvests_in_the_arxiv_format(oai) -> None:
    serve_first(oai)
    serve_second(oai)
    out = StringIO()

    call_command(
        "import",
        "arxiv-oai",
        "--from",
        "2017-12-14",
        "--set",
        "physics:hep-ex",
        "--metadata-prefix",
        "arXiv",
        stdout=out,
        verbosity=0,
    )

    run = ImportRun.objects.get()
    assert run.parameters == {
        "from": "2017-12-14",
        "set": "physics:hep-ex",
        "metadata_prefix": "arXiv",
    }
    assert run.status == ImportRun.Status.DONE
    assert (run.seen, run.created) == (6, 6)
    assert oai.calls[0].request.params["metadataPrefix"] == "arXiv"
    assert "6 created" in out.getvalue()
    rpv = Work.objects.get(arxiv_id="1706.09418")
    assert rpv.title == "R-Parity Violation at the LHC"
    assert rpv.doi == "10.1140/epjc/s10052-017-5414-4"
    assert (rpv.published, rpv.updated) == (date(2017, 6, 28), date(2017, 11, 26))
    assert rpv.arxiv_version is None
    assert list(
        Authorship.objects.filter(work=rpv)
        .order_by("position")
        .values_list("raw_name", flat=True)
    ) == [
        "Daniel Dercks",
        "Herbi Dreiner",
        "Manuel E. Krauss",
        "Toby Opferkuch",
        "Annika Reinert",
    ]
    # The format lists no versions: none is invented.
    assert not WorkVersion.objects.exists()


@pytest.mark.django_db
def test_command_refuses_an_unknown_prefix() -> None:
    with pytest.raises(CommandError, match="invalid choice"):
        call_command(
            "import", "arxiv-oai", "--metadata-prefix", "oai_dc", stdout=StringIO()
        )

    assert not ImportRun.objects.exists()


@pytest.mark.django_db
def test_command_refuses_the_prefix_for_the_arxiv_api() -> None:
    with pytest.raises(CommandError, match="--metadata-prefix are for arxiv-oai"):
        call_command(
            "import",
            "arxiv",
            "--id-list",
            "1706.09418",
            "--metadata-prefix",
            "arXiv",
            stdout=StringIO(),
        )


@pytest.mark.django_db
def test_command_reads_saved_pages_of_either_format() -> None:
    paths = [
        str(HEP_EX),
        str(FIXTURES / "GetRecordResponse.xml"),  # arXivRaw
        str(PHYSICS),
        str(NO_NAMESPACE),  # <arXiv> without its namespace: one failure
    ]
    out = StringIO()

    # The prefix chooses what a server sends; files hold what they hold.
    call_command(
        "import",
        "arxiv-oai",
        "--metadata-prefix",
        "arXiv",
        "--file",
        *paths,
        stdout=out,
        verbosity=0,
    )

    run = ImportRun.objects.get()
    assert run.parameters == {"files": paths}
    assert run.status == ImportRun.Status.DONE_WITH_ERRORS
    assert (run.seen, run.created, run.failed, run.total) == (6, 5, 1, 4)
    assert sorted(Work.objects.values_list("arxiv_id", flat=True)) == [
        "1302.2146",
        "1706.05371",
        "1706.09418",
        "1707.00874",
        "physics/0112006",
    ]
    failure = ImportFailure.objects.get()
    assert failure.external_id == "1601.03238"
    assert "neither arXivRaw" in failure.error
    assert "failed 1601.03238" in out.getvalue()
    # arXivRaw still dates every version; the arXiv format lists none.
    assert list(
        WorkVersion.objects.order_by("work__arxiv_id", "version").values_list(
            "work__arxiv_id", "version"
        )
    ) == [("1302.2146", 1), ("1302.2146", 2)]
    okun = Authorship.objects.get(work__arxiv_id="physics/0112006", position=2)
    assert okun.raw_name == "L. Okun"
    assert okun.raw_affiliations == ["ITEP, Moscow, Russia"]


@pytest.mark.django_db
def test_killed_arxiv_format_harvest_resumes_with_the_token_alone(oai) -> None:
    serve_first(oai)
    serve_second(oai, status=500)
    run = import_run_create(source="arxiv-oai", parameters={"metadata_prefix": "arXiv"})
    import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert run.checkpoint["resumption_token"] == TOKEN
    oai.reset()
    serve_second(oai)

    import_run_resume(run=run)
    import_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert [call.request.params for call in oai.calls] == [
        {"verb": "ListRecords", "resumptionToken": TOKEN}
    ]
    assert (run.seen, run.created) == (6, 6)


@pytest.mark.django_db
def test_daily_harvest_keeps_the_last_finished_runs_format() -> None:
    raw = import_run_create(source="arxiv-oai", parameters={"from": "2026-03-01"})
    arxiv = import_run_create(
        source="arxiv-oai",
        parameters={"from": "2026-03-02", "metadata_prefix": "arXiv"},
    )
    ImportRun.objects.filter(pk=raw.pk).update(
        status=ImportRun.Status.DONE,
        checkpoint={"harvest_date": "2026-03-01"},
        finished_at="2026-03-01T05:00:00Z",
    )
    ImportRun.objects.filter(pk=arxiv.pk).update(
        status=ImportRun.Status.DONE,
        checkpoint={"harvest_date": "2026-03-02"},
        finished_at="2026-03-02T05:00:00Z",
    )

    run = arxiv_oai_incremental_create(today=date(2026, 3, 3))

    assert run.parameters == {"from": "2026-03-02", "metadata_prefix": "arXiv"}


@pytest.mark.django_db
def test_daily_harvest_stays_in_arxivraw_after_an_arxivraw_run() -> None:
    raw = import_run_create(source="arxiv-oai", parameters={"from": "2026-03-01"})
    ImportRun.objects.filter(pk=raw.pk).update(
        status=ImportRun.Status.DONE,
        checkpoint={"harvest_date": "2026-03-01"},
        finished_at="2026-03-01T05:00:00Z",
    )

    run = arxiv_oai_incremental_create(today=date(2026, 3, 3))

    assert run.parameters == {"from": "2026-03-01"}
