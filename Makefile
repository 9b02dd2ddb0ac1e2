.PHONY: run test bench lint

run:  ## the dashboard and the Quay emulator with demo data
	scripts/run

test:  ## the whole test suite
	scripts/test

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

bench:  ## page timings against the emulator with added latency
	.venv/bin/python bench/overview_page.py
	.venv/bin/python bench/repo_page.py
	.venv/bin/python bench/status_poll.py
