# The few commands everybody runs. `make run` and `make test` set up
# everything they need on a fresh machine (uv, the locked packages,
# Chromium for the browser tests) before they do their job.

PORT ?= 8000
HOST ?= 127.0.0.1
UV_VERSION := 0.13.9
UV := python3 -m uv
PYTHON := .venv/bin/python
PYTEST_ARGS ?=
DEMO_FILES := $(sort $(wildcard tests/fixtures/arxiv_api/*.xml tests/fixtures/arxiv_api/more/*.xml tests/fixtures/arxiv_api/recorded/*.json))
# Beside arXiv: the journal versions of three arXiv papers (Crossref-shaped,
# constructed from the arXiv records), the arXiv and Crossref records of the
# two OpenAlex key papers (constructed from OpenAlex's records; see
# tests/fixtures/demo/constructed/README.md), real Crossref look-ups,
# a real OpenAlex citation network (two papers, the works citing them and the
# works they cite), an OpenAlex search page and real ORCID records.
DEMO_ARXIV_CONSTRUCTED := tests/fixtures/demo/constructed/arxiv_2007.14454.xml
DEMO_CROSSREF := $(sort $(wildcard tests/fixtures/demo/constructed/crossref_*.json)) \
	tests/fixtures/crossref/habanero/test_works_with_one_id.0.body.json \
	tests/fixtures/crossref/habanero/test_works_query.0.body.json
DEMO_OPENALEX := $(addprefix tests/fixtures/openalex/openalexPro/extracted_body/,oa_snowball__01.json oa_snowball__03.json oa_snowball__05.json) \
	tests/fixtures/openalex/works_search_page.json
DEMO_ORCID := $(addprefix tests/fixtures/orcid_api/,v2.1_record_0000-0001-7935-7720.json v2.1_record_0000-0002-8612-8827.json v2.1_record_0000-0003-3397-9895.json)

.PHONY: run test install demo migrate lint fmt migrations-check bench clean

install: .venv/.synced

# Bytecode compiled once at install (as the Dockerfile does): where
# PYTHONDONTWRITEBYTECODE is set, as on our machines, every command would
# otherwise compile the packages' sources again (manage.py check: 3.8-4.1 s
# without, 1.5-1.6 s with; compiling takes about 12 s).
.venv/.synced: pyproject.toml uv.lock
	@python3 -m uv --version 2>/dev/null | grep -q "$(UV_VERSION)" || python3 -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) sync --frozen --compile-bytecode
	@touch $@

migrate: install
	$(PYTHON) manage.py migrate --noinput

demo: migrate
	$(PYTHON) manage.py import arxiv --file $(DEMO_FILES) $(DEMO_ARXIV_CONSTRUCTED)
	$(PYTHON) manage.py import crossref --file $(DEMO_CROSSREF)
	$(PYTHON) manage.py import openalex --file $(DEMO_OPENALEX)
	$(PYTHON) manage.py import orcid --file $(DEMO_ORCID)
	$(PYTHON) manage.py institution_domains tests/fixtures/demo/institution_domains.json
	$(PYTHON) manage.py similarities

run: demo
	$(PYTHON) manage.py runserver $(HOST):$(PORT)

test: install
	scripts/ensure-chromium
	$(PYTHON) manage.py makemigrations --check --dry-run
	$(PYTHON) -m pytest $(PYTEST_ARGS)

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports

fmt: install
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

migrations-check: install
	$(PYTHON) manage.py makemigrations --check --dry-run

clean:
	rm -rf .venv var staticfiles

bench: install
	$(PYTHON) -m tests.bench.run
