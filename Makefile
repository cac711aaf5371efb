# The two commands of README.md: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
DEMO_UNITS ?= 60

.PHONY: run test venv venv-dev lint messages check-deploy bench clean

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed
venv-dev: $(VENV)/.installed-dev

## Run the app on the embedded default: SQLite, Celery in-process, demo data.
run: venv
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py seed_demo --units $(DEMO_UNITS) --if-empty --with-reports
	@echo "\nMở http://127.0.0.1:8000 và đăng nhập bằng một tài khoản ở trên.\n"
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

## Install what the tests need, start throwaway PostgreSQL and Redis, run everything.
test:
	bash scripts/test.sh $(PYTEST_ARGS)

lint: venv-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

messages: venv-dev
	$(PY) manage.py makemessages -l en --no-obsolete --add-location file
	$(PY) manage.py compilemessages -l en

clean:
	rm -rf $(VENV) staticfiles .pytest_cache test-artifacts
