# Every target creates .venv and installs the package into it when missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test imports bench lint format clean clean-kernels

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,plot,ja]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/textseq demo

# pytest exits 5 when it collects no test: that is a failure too, and says so.
test: $(STAMP)
	$(BIN)/python -m pytest -q || { code=$$?; [ $$code -ne 5 ] || echo "error: pytest collected no tests" >&2; exit $$code; }

# The import contracts in pyproject.toml: layers (CLI > demo > engines > corpus > base), no cycles.
imports: $(STAMP)
	$(BIN)/lint-imports

# The benchmark corpora come from Debian packages: `textseq corpora build` names the
# `apt-get install` to run when they are missing.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	test -f corpora/english/english.txt || $(BIN)/textseq corpora build english
	$(BIN)/python benchmarks/prepare_memory.py
	$(BIN)/python benchmarks/w2v_vs_gensim.py
	$(BIN)/python benchmarks/w2v_vs_peers.py --repeats 2 --defaults-threads 2 --skip gensim-iterable@1
	$(BIN)/python benchmarks/w2v_kernel_limit.py
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/lm_vs_torch.py
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/lm_adaptive_vs_torch.py

lint: $(STAMP)
	$(BIN)/ruff check textseq tests benchmarks
	$(BIN)/ruff format --check textseq tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format textseq tests benchmarks
	$(BIN)/ruff check --fix textseq tests benchmarks

# Numba caches a kernel against its own file only: after editing a kernel module that others
# call (textseq/fastmath.py, textseq/word2vec/update_kernels.py), drop the caches.
clean-kernels:
	find textseq -name '*.nbi' -delete -o -name '*.nbc' -delete

clean: clean-kernels
	rm -rf $(VENV) build *.egg-info
