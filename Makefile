# Convergence — `make demo` and `make test` each work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PLUGIN_DIRS := $(wildcard plugins/*/pyproject.toml)
PLUGINS := $(patsubst %/pyproject.toml,%,$(PLUGIN_DIRS))
CATALOG_DIRS := federation/translations $(wildcard plugins/*/convergence_*/translations)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install browser-deps static-deps catalogs extract migrate demo serve test test-postgres lint format bench clean docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installed again whenever a pyproject changes. Plugins are installed exactly like
# third-party distributions: each from its own folder, found through its entry point.
$(VENV)/.installed: $(BIN)/python pyproject.toml $(PLUGIN_DIRS)
	$(BIN)/python -m pip install --quiet -e ".[test,postgres,redis,server]" $(foreach p,$(PLUGINS),-e "$(p)[test]")
	@touch $@

install: $(VENV)/.installed catalogs browser-deps static-deps

# Leaflet for the optional map of places, from the npm registry, served by the platform
# itself from federation/static/vendor/node_modules (git-ignored). Without npm the places
# page shows its list only.
static-deps: federation/static/vendor/node_modules/leaflet/dist/leaflet.js
federation/static/vendor/node_modules/leaflet/dist/leaflet.js: federation/static/vendor/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  cd federation/static/vendor && npm ci --no-audit --no-fund --silent && touch node_modules/leaflet/dist/leaflet.js; \
	else echo "npm not found: the places page will show a list without a map"; fi

# axe-core for the accessibility tests, from the npm registry (skipped without npm: those
# tests then say why they skip). No browser is downloaded: tests use /usr/bin/chromium.
browser-deps: tests/browser/node_modules/axe-core/axe.min.js
tests/browser/node_modules/axe-core/axe.min.js: tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  cd tests/browser && npm ci --no-audit --no-fund --silent && touch node_modules/axe-core/axe.min.js; \
	else echo "npm not found: accessibility tests will be skipped"; fi

# Compiled catalogs (*.mo) are build products: never committed.
catalogs: $(VENV)/.installed
	@for dir in $(CATALOG_DIRS); do \
	  for po in $$dir/*/LC_MESSAGES/*.po; do \
	    [ -f "$$po" ] || continue; \
	    $(BIN)/pybabel compile --use-fuzzy -i "$$po" -o "$${po%.po}.mo" >/dev/null || exit 1; \
	  done; \
	done

# Refresh the core catalog from the sources (French msgids, English translations).
extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o federation/translations/messages.pot federation
	$(BIN)/pybabel update -i federation/translations/messages.pot -d federation/translations -D convergence -l en --no-fuzzy-matching

migrate: install
	$(BIN)/convergence db upgrade

demo: migrate
	$(BIN)/convergence demo load
	@echo "Demo accounts: see README.md (password: demo-convergence)"
	$(BIN)/convergence run --host $(HOST) --port $(PORT)

serve: migrate
	$(BIN)/convergence run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The benchmarks' references (pabutools for participatory budgets) are installed only here.
bench: install
	$(BIN)/python -m pip install --quiet -e "plugins/budget[bench]"
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# The plugin guide: MkDocs, strict (any warning fails the build); the hook reference is
# generated from federation/hookspecs.py by docs/hooks.py.
docs: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	$(BIN)/mkdocs build --strict -f docs/mkdocs.yml

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find . -name '*.mo' -delete
