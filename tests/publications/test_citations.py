"""The "how to cite" output: BibTeX written here, APA and MLA through citeproc-py.

Works are unsaved model instances, so no database is involved. Metadata is
copied from real arXiv API responses in /work/shared/fixtures/arxiv_api/:
1201.4869v1 and cond-mat/0603029v1 from ``au_del_maestro_2016.xml`` (every
entry of that file has a DOI), and the DOI-less preprint 2106.13414v2 from
``recorded/q_testing_s20_m10_348a237fecab.json``.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from publications.citations import Citations, work_citations
from publications.models import Work


def luttinger_core() -> Work:
    return Work(
        title="A Luttinger Liquid Core Inside Helium-4 Filled Nanopores",
        work_type=Work.Type.ARTICLE,
        published=date(2012, 1, 23),
        year=2012,
        journal_ref="Int. J. Mod. Phys. B, 26, 1244002 (2012)",
        doi="10.1142/S021797921244002X",
        arxiv_id="1201.4869",
        arxiv_version=1,
        abs_url="http://arxiv.org/abs/1201.4869v1",
        pdf_url="http://arxiv.org/pdf/1201.4869v1",
        categories=["cond-mat.mes-hall", "cond-mat.other"],
    )


def stripe_to_checkerboard() -> Work:
    return Work(
        title=(
            "From stripe to checkerboard order on the square lattice "
            "in the presence of quenched disorder"
        ),
        work_type=Work.Type.ARTICLE,
        published=date(2006, 3, 2),
        year=2006,
        journal_ref="Phys. Rev. B 74, 024520 (2006)",
        doi="10.1103/PhysRevB.74.024520",
        arxiv_id="cond-mat/0603029",
        arxiv_version=1,
        abs_url="http://arxiv.org/abs/cond-mat/0603029v1",
        categories=["cond-mat.str-el", "cond-mat.supr-con"],
    )


STRIPE_AUTHORS = ["Adrian Del Maestro", "Bernd Rosenow", "Subir Sachdev"]


def price_of_tolerance() -> Work:
    return Work(
        title="The Price of Tolerance in Distribution Testing",
        work_type=Work.Type.PREPRINT,
        published=date(2021, 6, 25),
        year=2021,
        arxiv_id="2106.13414",
        arxiv_version=2,
        abs_url="https://arxiv.org/abs/2106.13414v2",
        pdf_url="https://arxiv.org/pdf/2106.13414v2",
        categories=["cs.DS", "cs.IT", "math.PR", "math.ST", "stat.ML"],
    )


TOLERANCE_AUTHORS = ["Clément L. Canonne", "Ayush Jain", "Gautam Kamath", "Jerry Li"]


def test_article_bibtex() -> None:
    citations = work_citations(
        work=luttinger_core(), author_names=["Adrian Del Maestro"]
    )

    assert citations.bibtex == (
        "@article{delmaestro2012luttinger,\n"
        "  title = {{A Luttinger Liquid Core Inside Helium-4 Filled Nanopores}},\n"
        "  author = {Del Maestro, Adrian},\n"
        "  journal = {Int. J. Mod. Phys. B, 26, 1244002 (2012)},\n"
        "  year = {2012},\n"
        "  eprint = {1201.4869},\n"
        "  archivePrefix = {arXiv},\n"
        "  primaryClass = {cond-mat.mes-hall},\n"
        "  doi = {10.1142/S021797921244002X},\n"
        "}"
    )


def test_article_apa() -> None:
    apa = work_citations(work=luttinger_core(), author_names=["Adrian Del Maestro"]).apa

    assert apa.startswith("Del Maestro, A. (2012). ")
    assert "A Luttinger Liquid Core Inside Helium-4 Filled Nanopores." in apa
    assert "<i>Int. J. Mod. Phys. B, 26, 1244002 (2012)</i>" in apa
    assert apa.endswith("https://doi.org/10.1142/S021797921244002X")


def test_article_mla_keeps_full_given_names() -> None:
    mla = work_citations(work=luttinger_core(), author_names=["Adrian Del Maestro"]).mla

    assert mla.startswith("Del Maestro, Adrian. ")
    assert "“A Luttinger Liquid Core Inside Helium-4 Filled Nanopores" in mla
    assert "<i>Int. J. Mod. Phys. B, 26, 1244002 (2012)</i>, Jan. 2012, " in mla
    assert mla.endswith("https://doi.org/10.1142/S021797921244002X.")


def test_article_with_several_authors_and_old_style_arxiv_id() -> None:
    citations = work_citations(
        work=stripe_to_checkerboard(), author_names=STRIPE_AUTHORS
    )

    assert citations.bibtex == (
        "@article{delmaestro2006stripe,\n"
        "  title = {{From stripe to checkerboard order on the square lattice"
        " in the presence of quenched disorder}},\n"
        "  author = {Del Maestro, Adrian and Rosenow, Bernd and Sachdev, Subir},\n"
        "  journal = {Phys. Rev. B 74, 024520 (2006)},\n"
        "  year = {2006},\n"
        "  eprint = {cond-mat/0603029},\n"
        "  archivePrefix = {arXiv},\n"
        "  primaryClass = {cond-mat.str-el},\n"
        "  doi = {10.1103/PhysRevB.74.024520},\n"
        "}"
    )
    assert citations.apa.startswith(
        "Del Maestro, A., Rosenow, B., &amp; Sachdev, S. (2006). "
    )
    assert citations.mla.startswith("Del Maestro, Adrian, et al. ")


def test_preprint_bibtex() -> None:
    citations = work_citations(
        work=price_of_tolerance(), author_names=TOLERANCE_AUTHORS
    )

    assert citations.bibtex == (
        "@misc{canonne2021price,\n"
        "  title = {{The Price of Tolerance in Distribution Testing}},\n"
        "  author = {Canonne, Cl{\\'e}ment L. and Jain, Ayush"
        " and Kamath, Gautam and Li, Jerry},\n"
        "  year = {2021},\n"
        "  eprint = {2106.13414},\n"
        "  archivePrefix = {arXiv},\n"
        "  primaryClass = {cs.DS},\n"
        "  url = {https://arxiv.org/abs/2106.13414v2},\n"
        "}"
    )


def test_preprint_apa_names_arxiv_as_publisher() -> None:
    apa = work_citations(work=price_of_tolerance(), author_names=TOLERANCE_AUTHORS).apa

    assert apa.startswith(
        "Canonne, C. L., Jain, A., Kamath, G., &amp; Li, J. (2021). "
        "<i>The Price of Tolerance in Distribution Testing</i> "
        "(arXiv:2106.13414). arXiv. "
    )
    assert apa.endswith("https://arxiv.org/abs/2106.13414v2")


def test_preprint_mla() -> None:
    mla = work_citations(work=price_of_tolerance(), author_names=TOLERANCE_AUTHORS).mla

    assert mla.startswith("Canonne, Clément L., et al. ")
    assert "“The Price of Tolerance in Distribution Testing" in mla
    assert "arXiv:2106.13414, arXiv, 25 June 2021, " in mla
    assert mla.endswith("https://arxiv.org/abs/2106.13414v2.")


def test_html_outputs_are_stripped() -> None:
    citations = work_citations(
        work=price_of_tolerance(), author_names=TOLERANCE_AUTHORS
    )

    assert citations.apa == citations.apa.strip()
    assert citations.mla == citations.mla.strip()


def test_markup_in_metadata_comes_out_escaped() -> None:
    work = luttinger_core()
    work.title = '<script>alert("x")</script> & <span class="nocase">Cores</span>'
    work.journal_ref = "J. <b>Mod</b> & Phys."

    citations = work_citations(work=work, author_names=["Adrian <i>Del</i> Maestro"])

    for html in (citations.apa, citations.mla):
        assert "<script" not in html
        assert "<b>" not in html
        assert "<i>Del" not in html
        assert "<span" not in html
        assert "&lt;script&gt;alert(" in html
        assert "&lt;/script&gt; &amp; &lt;span class=" in html
        assert "J. &lt;b&gt;Mod&lt;/b&gt; &amp; Phys." in html
    # The only tags left are citeproc's own.
    assert citations.apa.count("<") == citations.apa.count("<i>") * 2


def test_accented_name_in_bibtex() -> None:
    work = price_of_tolerance()

    bibtex = work_citations(work=work, author_names=["Benoît Dherin"]).bibtex

    assert "  author = {Dherin, Beno{\\^\\i}t},\n" in bibtex
    assert bibtex.startswith("@misc{dherin2021price,\n")


def test_key_folds_letters_without_ascii_decomposition() -> None:
    work = price_of_tolerance()
    work.title = "Latent Regularization in Generative Test Input Generation"
    work.year = 2026

    bibtex = work_citations(work=work, author_names=["Oliver Weißl"]).bibtex

    assert bibtex.startswith("@misc{weissl2026latent,\n")
    assert "  author = {Wei{\\ss}l, Oliver},\n" in bibtex


def test_tex_specials_are_escaped() -> None:
    work = price_of_tolerance()
    work.title = "50% of $x_1$ & {y} #2 ~ ^ \\"

    bibtex = work_citations(work=work, author_names=["Jerry Li"]).bibtex

    assert (
        "  title = {{50{\\%} of {\\$}x{\\_}1{\\$} {\\&} {\\{}y{\\}} {\\#}2"
        " {\\textasciitilde} {\\textasciicircum} {\\textbackslash}}},\n"
    ) in bibtex


def test_single_name_is_a_family_name() -> None:
    citations = work_citations(work=price_of_tolerance(), author_names=["Madonna"])

    assert "  author = {Madonna},\n" in citations.bibtex
    assert citations.bibtex.startswith("@misc{madonna2021price,\n")
    assert citations.apa.startswith("Madonna. (2021). ")


def test_citations_are_frozen() -> None:
    citations = work_citations(work=price_of_tolerance(), author_names=["Jerry Li"])

    assert isinstance(citations, Citations)
    with pytest.raises(dataclasses.FrozenInstanceError):
        citations.apa = ""  # type: ignore[misc]
