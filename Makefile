# The two commands of the README: `make run` and `make test`.
.PHONY: run test setup setup-test lint bench bench-rules worker beat

# Settings default to DEBUG off (production). The development server, and the setup
# script's manage.py commands before it, run with it on; the prerequisites inherit it.
# So do the tests: mypy's Django plugin loads the settings.
run setup setup-test test: export DEBUG = 1

run: setup
	.venv/bin/python manage.py migrate --noinput -v0
	.venv/bin/python manage.py seed --demo
	.venv/bin/python manage.py runserver 127.0.0.1:8000

# pytest sets DEBUG=1 itself (tests/development_env.py), so a bare pytest run works too;
# a bare mypy run needs DEBUG=1 in the environment. pytest runs on every core, at most
# four (each worker has its own test database and Redis index).
test: setup-test
	.venv/bin/ruff check .
	.venv/bin/mypy
	.venv/bin/python -m pytest -p no:cacheprovider -n auto --maxprocesses 4

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --with-test-tools

worker:
	.venv/bin/celery -A config worker --loglevel=info --concurrency=2

# The periodic report sweep and worker heartbeat: one beat per site.
beat:
	.venv/bin/celery -A config beat --loglevel=info

bench: setup-test
	.venv/bin/python scripts/bench.py
	.venv/bin/python scripts/bench_workspace.py

# The recommendation rules alone: no database, no server, a few seconds.
bench-rules:
	.venv/bin/python scripts/bench_rules.py

lint:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .
