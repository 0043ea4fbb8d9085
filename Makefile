# Awex China e-commerce advisor — one command surface (`make help`).
# Every target skips work already done: environments are stamped by their requirements, the
# Rasa model by its training data, the index by the knowledge files (bot build fingerprints them).

SHELL := /bin/bash
VAR ?= var
APP_VENV := $(VAR)/venv-app
RASA_VENV := $(VAR)/venv-rasa
APP_PY := $(APP_VENV)/bin/python
RASA := $(RASA_VENV)/bin/rasa
MODEL := $(VAR)/models/awex.tar.gz
RASA_DATA := config.yml $(wildcard domain/*.yml) $(shell find data -type f -name '*.yml' 2>/dev/null)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PYTHONPATH := $(CURDIR)
PYTEST_ARGS ?=
# The pytest lane without Rasa, the browser, services or the stack (markers in pyproject.toml).
UNIT_MARKERS := not e2e and not browser and not services and not slow

.PHONY: help setup run test test-unit lint advisor index model check nlu eval bench clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(APP_VENV)/.installed: requirements/app.txt requirements/test.txt pyproject.toml
	python3 -m venv $(APP_VENV)
	$(APP_PY) -m pip install --quiet --upgrade pip==24.2
	$(APP_PY) -m pip install --quiet -r requirements/app.txt -r requirements/test.txt
	$(APP_PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(RASA_VENV)/.installed: requirements/rasa.txt
	@PY310=$$(scripts/find-python310.sh) || exit 1; \
	  echo "Rasa environment on $$PY310"; \
	  $$PY310 -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/python -m pip install --quiet --upgrade pip==24.2
	$(RASA_VENV)/bin/python -m pip install --quiet -r requirements/rasa.txt
	touch $@

setup: $(APP_VENV)/.installed $(RASA_VENV)/.installed index model ## Create both environments, build the index, train Rasa (each only when needed)

index: $(APP_VENV)/.installed ## Build the knowledge index (skipped when nothing changed)
	$(APP_PY) -m bot.cli build --quiet

$(MODEL): $(RASA_VENV)/.installed $(RASA_DATA)
	$(RASA) train --domain domain --out $(VAR)/models --fixed-model-name awex
	touch $@

model: $(MODEL) ## Train the Rasa model (only when its data changed)

check: $(APP_VENV)/.installed ## Validate the knowledge files
	$(APP_PY) -m bot.cli check

nlu: $(APP_VENV)/.installed ## Regenerate data/nlu/knowledge.yml from the articles' example questions
	$(APP_PY) scripts/knowledge_nlu.py

run: setup ## Start Rasa, the action server and the web app; Ctrl-C stops all three
	$(APP_PY) scripts/stack.py

lint: $(APP_VENV)/.installed ## Ruff (lint, import order, pyupgrade) and mypy (strict on bot/)
	$(APP_VENV)/bin/ruff check .
	$(APP_VENV)/bin/mypy

test: setup lint ## Set up, lint, then run the whole test suite (what CI runs)
	$(APP_PY) scripts/validate_data.py --rasa $(RASA)  # fails on any warning nobody acts on
	$(RASA) test core --stories tests/rasa --model $(MODEL) --out $(VAR)/results/core \
	  --fail-on-prediction-errors
	RASA=$(RASA) scripts/nlu_eval.sh
	HYPOTHESIS_PROFILE=ci $(APP_PY) -m pytest $(PYTEST_ARGS)

test-unit: $(APP_VENV)/.installed ## Engine, actions and web tests only (no Rasa, browser, services, slow tests)
	$(APP_PY) -m pytest -m "$(UNIT_MARKERS)" $(PYTEST_ARGS)

advisor: $(APP_VENV)/.installed ## Create a console account: make advisor EMAIL=you@awex.be (asks for a password)
	@email="$(EMAIL)"; [ -n "$$email" ] || read -rp "Advisor e-mail: " email; \
	  AWEX_SECRET_KEY="$${AWEX_SECRET_KEY:-$$(cat $(VAR)/secret_key 2>/dev/null)}" \
	  $(APP_VENV)/bin/flask --app web create-advisor "$$email"

eval: setup ## Measure retrieval on the gold questions (report in docs/)
	$(APP_PY) -m bot.cli eval

bench: setup ## Run the benchmarks and write docs/bench/report.md
	$(APP_PY) -m bench.run_all

clean: ## Remove environments, models, index and databases (var/)
	rm -rf $(VAR)
