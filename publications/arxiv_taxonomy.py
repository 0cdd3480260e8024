"""The arXiv category taxonomy, as data.

Codes and names are copied from arXiv's published taxonomy
(https://arxiv.org/category_taxonomy) and from the category table in arXiv's
own ``arxiv-base`` code (``arxiv/taxonomy/definitions.py``), which also lists
the aliases (``math.MP`` = ``math-ph``, ``stat.TH`` = ``math.ST``, ``cs.NA`` =
``math.NA``, ``cs.SY`` = ``eess.SY``, ``math.IT`` = ``cs.IT``, ``q-fin.EC`` =
``econ.GN``) and the defunct archives (``solv-int``, ``alg-geom``, ...) that
old records still carry as categories.

The table is kept by hand because no maintained PyPI package ships it:
``arxiv-base`` was last released on PyPI in 2023 and brings a web stack with
it. arXiv changes its taxonomy rarely; when it adds a category, add a line
here. Codes that look like arXiv categories but are not in the table are still
accepted by :func:`is_arxiv_category`, so an unknown new category degrades to
"no readable name" rather than being dropped.
"""

from __future__ import annotations

import re

CATEGORY_NAMES: dict[str, str] = {
    # Computer Science
    "cs.AI": "Artificial Intelligence",
    "cs.AR": "Hardware Architecture",
    "cs.CC": "Computational Complexity",
    "cs.CE": "Computational Engineering, Finance, and Science",
    "cs.CG": "Computational Geometry",
    "cs.CL": "Computation and Language",
    "cs.CR": "Cryptography and Security",
    "cs.CV": "Computer Vision and Pattern Recognition",
    "cs.CY": "Computers and Society",
    "cs.DB": "Databases",
    "cs.DC": "Distributed, Parallel, and Cluster Computing",
    "cs.DL": "Digital Libraries",
    "cs.DM": "Discrete Mathematics",
    "cs.DS": "Data Structures and Algorithms",
    "cs.ET": "Emerging Technologies",
    "cs.FL": "Formal Languages and Automata Theory",
    "cs.GL": "General Literature",
    "cs.GR": "Graphics",
    "cs.GT": "Computer Science and Game Theory",
    "cs.HC": "Human-Computer Interaction",
    "cs.IR": "Information Retrieval",
    "cs.IT": "Information Theory",
    "cs.LG": "Machine Learning",
    "cs.LO": "Logic in Computer Science",
    "cs.MA": "Multiagent Systems",
    "cs.MM": "Multimedia",
    "cs.MS": "Mathematical Software",
    "cs.NA": "Numerical Analysis",  # alias of math.NA
    "cs.NE": "Neural and Evolutionary Computing",
    "cs.NI": "Networking and Internet Architecture",
    "cs.OH": "Other Computer Science",
    "cs.OS": "Operating Systems",
    "cs.PF": "Performance",
    "cs.PL": "Programming Languages",
    "cs.RO": "Robotics",
    "cs.SC": "Symbolic Computation",
    "cs.SD": "Sound",
    "cs.SE": "Software Engineering",
    "cs.SI": "Social and Information Networks",
    "cs.SY": "Systems and Control",  # alias of eess.SY
    # Economics
    "econ.EM": "Econometrics",
    "econ.GN": "General Economics",
    "econ.TH": "Theoretical Economics",
    # Electrical Engineering and Systems Science
    "eess.AS": "Audio and Speech Processing",
    "eess.IV": "Image and Video Processing",
    "eess.SP": "Signal Processing",
    "eess.SY": "Systems and Control",
    # Mathematics
    "math.AC": "Commutative Algebra",
    "math.AG": "Algebraic Geometry",
    "math.AP": "Analysis of PDEs",
    "math.AT": "Algebraic Topology",
    "math.CA": "Classical Analysis and ODEs",
    "math.CO": "Combinatorics",
    "math.CT": "Category Theory",
    "math.CV": "Complex Variables",
    "math.DG": "Differential Geometry",
    "math.DS": "Dynamical Systems",
    "math.FA": "Functional Analysis",
    "math.GM": "General Mathematics",
    "math.GN": "General Topology",
    "math.GR": "Group Theory",
    "math.GT": "Geometric Topology",
    "math.HO": "History and Overview",
    "math.IT": "Information Theory",  # alias of cs.IT
    "math.KT": "K-Theory and Homology",
    "math.LO": "Logic",
    "math.MG": "Metric Geometry",
    "math.MP": "Mathematical Physics",  # alias of math-ph
    "math.NA": "Numerical Analysis",
    "math.NT": "Number Theory",
    "math.OA": "Operator Algebras",
    "math.OC": "Optimization and Control",
    "math.PR": "Probability",
    "math.QA": "Quantum Algebra",
    "math.RA": "Rings and Algebras",
    "math.RT": "Representation Theory",
    "math.SG": "Symplectic Geometry",
    "math.SP": "Spectral Theory",
    "math.ST": "Statistics Theory",
    # Physics: Astrophysics
    "astro-ph.CO": "Cosmology and Nongalactic Astrophysics",
    "astro-ph.EP": "Earth and Planetary Astrophysics",
    "astro-ph.GA": "Astrophysics of Galaxies",
    "astro-ph.HE": "High Energy Astrophysical Phenomena",
    "astro-ph.IM": "Instrumentation and Methods for Astrophysics",
    "astro-ph.SR": "Solar and Stellar Astrophysics",
    # Physics: Condensed Matter
    "cond-mat.dis-nn": "Disordered Systems and Neural Networks",
    "cond-mat.mes-hall": "Mesoscale and Nanoscale Physics",
    "cond-mat.mtrl-sci": "Materials Science",
    "cond-mat.other": "Other Condensed Matter",
    "cond-mat.quant-gas": "Quantum Gases",
    "cond-mat.soft": "Soft Condensed Matter",
    "cond-mat.stat-mech": "Statistical Mechanics",
    "cond-mat.str-el": "Strongly Correlated Electrons",
    "cond-mat.supr-con": "Superconductivity",
    # Physics: single-category archives
    "gr-qc": "General Relativity and Quantum Cosmology",
    "hep-ex": "High Energy Physics - Experiment",
    "hep-lat": "High Energy Physics - Lattice",
    "hep-ph": "High Energy Physics - Phenomenology",
    "hep-th": "High Energy Physics - Theory",
    "math-ph": "Mathematical Physics",
    "nucl-ex": "Nuclear Experiment",
    "nucl-th": "Nuclear Theory",
    "quant-ph": "Quantum Physics",
    # Physics: Nonlinear Sciences
    "nlin.AO": "Adaptation and Self-Organizing Systems",
    "nlin.CD": "Chaotic Dynamics",
    "nlin.CG": "Cellular Automata and Lattice Gases",
    "nlin.PS": "Pattern Formation and Solitons",
    "nlin.SI": "Exactly Solvable and Integrable Systems",
    # Physics: physics.*
    "physics.acc-ph": "Accelerator Physics",
    "physics.ao-ph": "Atmospheric and Oceanic Physics",
    "physics.app-ph": "Applied Physics",
    "physics.atm-clus": "Atomic and Molecular Clusters",
    "physics.atom-ph": "Atomic Physics",
    "physics.bio-ph": "Biological Physics",
    "physics.chem-ph": "Chemical Physics",
    "physics.class-ph": "Classical Physics",
    "physics.comp-ph": "Computational Physics",
    "physics.data-an": "Data Analysis, Statistics and Probability",
    "physics.ed-ph": "Physics Education",
    "physics.flu-dyn": "Fluid Dynamics",
    "physics.gen-ph": "General Physics",
    "physics.geo-ph": "Geophysics",
    "physics.hist-ph": "History and Philosophy of Physics",
    "physics.ins-det": "Instrumentation and Detectors",
    "physics.med-ph": "Medical Physics",
    "physics.optics": "Optics",
    "physics.plasm-ph": "Plasma Physics",
    "physics.pop-ph": "Popular Physics",
    "physics.soc-ph": "Physics and Society",
    "physics.space-ph": "Space Physics",
    # Quantitative Biology
    "q-bio.BM": "Biomolecules",
    "q-bio.CB": "Cell Behavior",
    "q-bio.GN": "Genomics",
    "q-bio.MN": "Molecular Networks",
    "q-bio.NC": "Neurons and Cognition",
    "q-bio.OT": "Other Quantitative Biology",
    "q-bio.PE": "Populations and Evolution",
    "q-bio.QM": "Quantitative Methods",
    "q-bio.SC": "Subcellular Processes",
    "q-bio.TO": "Tissues and Organs",
    # Quantitative Finance
    "q-fin.CP": "Computational Finance",
    "q-fin.EC": "Economics",  # alias of econ.GN
    "q-fin.GN": "General Finance",
    "q-fin.MF": "Mathematical Finance",
    "q-fin.PM": "Portfolio Management",
    "q-fin.PR": "Pricing of Securities",
    "q-fin.RM": "Risk Management",
    "q-fin.ST": "Statistical Finance",
    "q-fin.TR": "Trading and Market Microstructure",
    # Statistics
    "stat.AP": "Applications",
    "stat.CO": "Computation",
    "stat.ME": "Methodology",
    "stat.ML": "Machine Learning",
    "stat.OT": "Other Statistics",
    "stat.TH": "Statistics Theory",  # alias of math.ST
    # Archive-level codes, used as categories by older records
    "astro-ph": "Astrophysics",
    "cond-mat": "Condensed Matter",
    "cs": "Computer Science",
    "econ": "Economics",
    "eess": "Electrical Engineering and Systems Science",
    "math": "Mathematics",
    "nlin": "Nonlinear Sciences",
    "physics": "Physics",
    "q-bio": "Quantitative Biology",
    "q-fin": "Quantitative Finance",
    "stat": "Statistics",
    # Defunct archives, later subsumed by the category in the comment
    "acc-phys": "Accelerator Physics",  # physics.acc-ph
    "adap-org": "Adaptation, Noise, and Self-Organizing Systems",  # nlin.AO
    "alg-geom": "Algebraic Geometry",  # math.AG
    "ao-sci": "Atmospheric-Oceanic Sciences",  # physics.ao-ph
    "atom-ph": "Atomic, Molecular and Optical Physics",  # physics.atom-ph
    "bayes-an": "Bayesian Analysis",  # physics.data-an
    "chao-dyn": "Chaotic Dynamics",  # nlin.CD
    "chem-ph": "Chemical Physics",  # physics.chem-ph
    "cmp-lg": "Computation and Language",  # cs.CL
    "comp-gas": "Cellular Automata and Lattice Gases",  # nlin.CG
    "dg-ga": "Differential Geometry",  # math.DG
    "funct-an": "Functional Analysis",  # math.FA
    "mtrl-th": "Materials Theory",  # cond-mat.mtrl-sci
    "patt-sol": "Pattern Formation and Solitons",  # nlin.PS
    "plasm-ph": "Plasma Physics",  # physics.plasm-ph
    "q-alg": "Quantum Algebra and Topology",  # math.QA
    "solv-int": "Exactly Solvable and Integrable Systems",  # nlin.SI
    "supr-con": "Superconductivity",  # cond-mat.supr-con
}

_PHYSICS = "Physics"
_MATHEMATICS = "Mathematics"
_COMPUTER_SCIENCE = "Computer Science"

GROUP_NAMES: dict[str, str] = {
    "cs": _COMPUTER_SCIENCE,
    "econ": "Economics",
    "eess": "Electrical Engineering and Systems Science",
    "math": _MATHEMATICS,
    "q-bio": "Quantitative Biology",
    "q-fin": "Quantitative Finance",
    "stat": "Statistics",
    # Physics archives
    "astro-ph": _PHYSICS,
    "cond-mat": _PHYSICS,
    "gr-qc": _PHYSICS,
    "hep-ex": _PHYSICS,
    "hep-lat": _PHYSICS,
    "hep-ph": _PHYSICS,
    "hep-th": _PHYSICS,
    "math-ph": _PHYSICS,
    "nlin": _PHYSICS,
    "nucl-ex": _PHYSICS,
    "nucl-th": _PHYSICS,
    "physics": _PHYSICS,
    "quant-ph": _PHYSICS,
    # Defunct archives, in the group arXiv files them under
    "acc-phys": _PHYSICS,
    "adap-org": _PHYSICS,
    "ao-sci": _PHYSICS,
    "atom-ph": _PHYSICS,
    "bayes-an": _PHYSICS,
    "chao-dyn": _PHYSICS,
    "chem-ph": _PHYSICS,
    "comp-gas": _PHYSICS,
    "mtrl-th": _PHYSICS,
    "patt-sol": _PHYSICS,
    "plasm-ph": _PHYSICS,
    "solv-int": _PHYSICS,
    "supr-con": _PHYSICS,
    "alg-geom": _MATHEMATICS,
    "dg-ga": _MATHEMATICS,
    "funct-an": _MATHEMATICS,
    "q-alg": _MATHEMATICS,
    "cmp-lg": _COMPUTER_SCIENCE,
}

OTHER_GROUP = "Other"

# An archive ("hep-th", "cond-mat") optionally followed by ".SUBJECT" ("CO",
# "stat-mech"). ACM classes ("I.2.6") and MSC classes ("68T05") do not match.
_CATEGORY_RE = re.compile(r"^[a-z][a-z\-]*(\.[A-Za-z][A-Za-z\-]*)?$")


def category_name(code: str) -> str | None:
    """The readable name of an arXiv category code, or None if it is unknown."""
    return CATEGORY_NAMES.get(code.strip())


def is_arxiv_category(code: str) -> bool:
    """Whether ``code`` is (or looks like) an arXiv category code.

    The arXiv feed also puts ACM classes (``I.2.6``) and MSC classes
    (``05C80``) in its ``<category>`` elements; those are rejected.
    """
    code = code.strip()
    return code in CATEGORY_NAMES or bool(_CATEGORY_RE.match(code))


def group_name(code: str) -> str:
    """The readable top-level group of a category code ("Physics" for hep-th)."""
    archive = code.strip().split(".", 1)[0]
    return GROUP_NAMES.get(archive, OTHER_GROUP)
