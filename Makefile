# The handful of commands a newcomer needs. Python 3.11+ on Debian; see README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint audit format demo bench bench-full migrate messages clean openapi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/sportello run

migrate: $(STAMP)
	$(BIN)/sportello migrate

demo: $(STAMP)
	$(BIN)/sportello demo

test: $(STAMP)
	scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check sportello tests bench
	$(BIN)/ruff format --check sportello tests bench
	$(BIN)/mypy sportello
	scripts/audit.sh

audit: $(STAMP)
	scripts/audit.sh

format: $(STAMP)
	$(BIN)/ruff check --fix sportello tests bench
	$(BIN)/ruff format sportello tests bench

bench: $(STAMP)
	$(BIN)/python bench/ingest.py --messages 5000
	$(BIN)/python bench/web.py --short
	$(BIN)/python bench/gdpr.py --sizes 1000
	$(BIN)/python bench/webhooks.py --short

bench-full: $(STAMP)
	$(BIN)/python bench/ingest.py --messages 50000
	$(BIN)/python bench/web.py --customers 200000 --conversations 1000000 --messages 5000000
	$(BIN)/python bench/webhooks.py
	$(BIN)/python bench/peer.py --short
	$(BIN)/python bench/chaos.py --kills 100

messages: $(STAMP)
	cd sportello && ../$(BIN)/django-admin makemessages -l it --settings=sportello.config.settings
	cd sportello && ../$(BIN)/django-admin compilemessages --settings=sportello.config.settings

clean:
	rm -rf $(VENV) build *.egg-info

openapi: $(STAMP)
	$(BIN)/python -m django openapi --settings=sportello.config.settings --output openapi.json
