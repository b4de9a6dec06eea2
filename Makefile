# glulab — the everyday targets: build, test, data, lessons, figures, site, results.
# `make help` lists them. The build machinery lives in mk/:
#   mk/config.mk   compilers, flags, the DEBUG=1 / MPI=1 / PCH=0 variants, the source lists
#   mk/deps.mk     the Debian packages each target needs, installed with apt-get as root
#   mk/build.mk    compile and link rules, precompiled headers, the generated templates header
#   mk/checks.mk   layers and loc, sanitizers, fuzzing, crash and distributed tests
#
# Layout: src/**/*.cpp (less src/cli) -> build/libglulab.a; src/cli/*.cpp -> build/glulab;
# tests/*.cpp -> build/tests (doctest); lessons/NN-*/main.cpp -> build/lessons/NN.

include mk/config.mk
include mk/deps.mk
.DEFAULT_GOAL := all

.PHONY: bench-grid results-lr results-warmup results-long results-dff results-quant results-page layers loc
.PHONY: all deps deps-torch deps-plot deps-figures figures deps-site deps-mpi test-distributed bench-distributed sanitize fuzz crash-test site site-check demo results results-norm crosscheck bench test data clean help lessons exercise solutions docs-check
all: $(BUILD)/glulab

help:
	@echo "make demo       the quick start: install, get the data, build, compare relu/gelu/swiglu"
	@echo "make            build build/glulab"
	@echo "make deps       check (and as root install) the Debian packages glulab needs"
	@echo "make SKIP_DEPS=1 ...  build with libraries installed by other means (no package check)"
	@echo "make test       build and run the unit tests (TEST_ARGS='-tc=\"name*\"' to filter)"
	@echo "make data       get data/tinyshakespeare.txt (DATA_MIRROR=$(DATA_MIRROR) or download)"
	@echo "make lessons    build and run every lesson program (build/lessons/NN)"
	@echo "make exercise LESSON=NN   test your lessons/NN-*/exercise.cpp"
	@echo "make solutions  test every lesson's reference solution"
	@echo "make docs-check check the lessons' pointers into the source and their outputs"
	@echo "make layers     no file includes a layer above its own (docs/architecture.md)"
	@echo "make loc        each layer's lines against its budget (tests/layers.py)"
	@echo "make figures    draw every lesson's figures again (lessons/NN-*/figures/, a few minutes)"
	@echo "make site       the lessons, docs and annotated source as HTML in build/site/"
	@echo "make site-check check the site's links and render it in headless Chromium"
	@echo "make MPI=1      build build/mpi/glulab with MPI, for mpirun (docs/distributed.md)"
	@echo "make DEBUG=1    build everything with GLULAB_DEBUG checks into build/debug/"
	@echo "make PCH=0      build without the precompiled headers (docs/build.md)"
	@echo "make test-distributed   data-parallel training against one process (as root)"
	@echo "make bench-distributed  1 rank x 2 threads against 2 ranks x 1 thread"
	@echo "make bench-grid     a grid of six runs: one at a time, two side by side, mpirun"
	@echo "make crosscheck every FFN kind against the PyTorch reference (tests/torch/)"
	@echo "make bench     glulab's and PyTorch's training speed, same config, as a ratio"
	@echo "make results   the full FFN comparison (8 kinds x 3 seeds) and docs/results.md"
	@echo "make sanitize   the unit tests under ASan + UBSan (own build in build/sanitize/)"
	@echo "make fuzz       fuzz the checkpoint loader with libFuzzer (FUZZ_SECONDS=$(FUZZ_SECONDS))"
	@echo "make crash-test kill -9 a training run again and again; the resumed run must match"
	@echo "make results-norm  relu, gelu, swiglu under LayerNorm: the norm section of docs/results.md"
	@echo "make results-lr     every kind at 4 learning rates (56 runs; RUNS=DIR for the runs' place)"
	@echo "make results-warmup warmup 0 against 100 at the two highest rates (24 runs)"
	@echo "make results-long   relu, gelu, swiglu for 10,000 steps at their chosen rates (9 runs)"
	@echo "make results-dff    the gated kinds at H = 4C (15 runs)"
	@echo "make results-quant  every run of results and results-norm under int8 (after them)"
	@echo "make results-page   the page's sections from the finished grids above (RUNS=DIR)"
	@echo "make clean      remove build/"

# make test runs everything; make test LESSON=NN runs lesson NN's tests only.
ifeq ($(LESSON),)
test: $(BUILD)/tests $(BUILD)/debug_tests $(BUILD)/glulab
	$(BUILD)/tests $(TEST_ARGS)
	$(BUILD)/debug_tests $(TEST_ARGS)
else
test: $(BUILD)/tests $(BUILD)/lessons/$(LESSON)-solution
	$(BUILD)/tests -ts=lesson$(LESSON) $(TEST_ARGS)
	$(BUILD)/lessons/$(LESSON)-solution $(TEST_ARGS)
endif

# Lessons
# -------
# lessons/NN-topic/main.cpp -> build/lessons/NN, linked with libglulab.a; exercise tests:
# lessons/NN-topic/test.cpp with exercise.cpp (yours) or solution.cpp (the reference).
LESSON_DIRS := $(sort $(wildcard lessons/[0-9][0-9]-*))
LESSON_NUMS := $(foreach d,$(LESSON_DIRS),$(firstword $(subst -, ,$(notdir $(d)))))
lesson_dir = $(firstword $(wildcard lessons/$(1)-*))
# A lesson's files, less its figures/ (redrawing the figures need not rebuild its tests).
lesson_files = $(filter-out %/figures,$(wildcard $(call lesson_dir,$(1))/*))
LESSON_CXX = $(CXX) $(ALL_CXXFLAGS)

.SECONDEXPANSION:
$(BUILD)/lessons/%: $$(wildcard $$(call lesson_dir,%)/*.cpp) $$(wildcard $$(call lesson_dir,%)/*.hpp) $(LIB)
	@mkdir -p $(dir $@)
	$(LESSON_CXX) -I$(call lesson_dir,$*) $(call lesson_dir,$*)/main.cpp $(LIB) -o $@ $(ALL_LDFLAGS) $(PKG_LIBS)
$(BUILD)/lessons/%-solution: $$(call lesson_files,%) lessons/test_main.cpp $(LIB)
	@mkdir -p $(dir $@)
	$(LESSON_CXX) -I$(call lesson_dir,$*) $(call lesson_dir,$*)/test.cpp $(call lesson_dir,$*)/solution.cpp lessons/test_main.cpp $(LIB) -o $@ $(ALL_LDFLAGS) $(PKG_LIBS)
$(BUILD)/lessons/%-exercise: $$(call lesson_files,%) lessons/test_main.cpp $(LIB)
	@mkdir -p $(dir $@)
	$(LESSON_CXX) -I$(call lesson_dir,$*) $(call lesson_dir,$*)/test.cpp $(call lesson_dir,$*)/exercise.cpp lessons/test_main.cpp $(LIB) -o $@ $(ALL_LDFLAGS) $(PKG_LIBS)

# Builds every lesson program and runs it, keeping its output in build/lessons/NN.out.
lessons: $(foreach n,$(LESSON_NUMS),$(BUILD)/lessons/$(n))
	@for n in $(LESSON_NUMS); do \
	  echo "== lesson $$n"; $(BUILD)/lessons/$$n > $(BUILD)/lessons/$$n.out || { cat $(BUILD)/lessons/$$n.out; echo "lesson $$n failed"; exit 1; }; \
	  tail -n 3 $(BUILD)/lessons/$$n.out; done

exercise:
	@[ -n "$(LESSON)" ] || { echo "usage: make exercise LESSON=NN (one of: $(LESSON_NUMS))"; exit 2; }
	@$(MAKE) --no-print-directory $(BUILD)/lessons/$(LESSON)-exercise
	$(BUILD)/lessons/$(LESSON)-exercise

solutions: $(foreach n,$(LESSON_NUMS),$(BUILD)/lessons/$(n)-solution)
	@for n in $(LESSON_NUMS); do echo "== lesson $$n solution"; $(BUILD)/lessons/$$n-solution || exit 1; done

# docs-check also renders the figures' deterministic sources afresh (make_figures.sh --sources,
# which runs glulab graph, build/figure_data and the lesson programs) to compare with the
# committed ones; it needs no gnuplot or Graphviz.
docs-check: lessons $(BUILD)/glulab $(BUILD)/figure_data
	python3 tests/docs_check.py --self-test
	python3 tests/docs_check.py

# The lessons' figures: docs/figures/make_figures.sh runs glulab (the lesson programs, the CLI and
# build/figure_data, which calls glulab's kernels) for the numbers, then gnuplot and Graphviz.
$(BUILD)/figure_data: docs/figures/figure_data.cpp $(LIB)
	$(CXX) $(ALL_CXXFLAGS) $< $(LIB) -o $@ $(ALL_LDFLAGS) $(PKG_LIBS)
figures: deps-figures data $(BUILD)/glulab $(BUILD)/figure_data $(BUILD)/lessons/03 $(BUILD)/lessons/07
	sh docs/figures/make_figures.sh

# The site: lessons and docs as HTML (math as MathML) beside the annotated source.
site: deps-site
	python3 docs/site/build_site.py
site-check: site
	python3 tests/site_check.py

# Against PyTorch (Debian's python3-torch): every FFN kind's logits, loss, gradients and five
# AdamW steps (tests/torch/run_crosscheck.sh); and the training speed of both at the default
# configuration, run in the same command, as a ratio (tests/torch/run_bench.sh; BENCH=medium
# for the L6 C384 NH6 T256 B8 model).
crosscheck: $(BUILD)/glulab deps-torch
	sh tests/torch/run_crosscheck.sh
bench: $(BUILD)/glulab deps-torch
	BENCH=$(or $(BENCH),default) sh tests/torch/run_bench.sh

# How a grid uses the two cores: two runs side by side against one on two threads, and mpirun
# (tests/bench_grid.sh; about 15 minutes; take it on a quiet machine).
bench-grid: $(BUILD)/glulab data
	@if command -v mpirun > /dev/null; then $(MAKE) --no-print-directory MPI=1 build/mpi/glulab; fi
	bash tests/bench_grid.sh

# The quick start: a short comparison of relu, gelu and swiglu (one seed, 800 steps: about two
# minutes on 2 cores), its tables and plots, and a sample from the best model. Run again, it
# reads the finished runs back instead of training them.
demo:
	@$(call install_deps,$(DEPS_BUILD) $(DEPS_PLOT))
	@$(MAKE) --no-print-directory data $(BUILD)/glulab
	$(BUILD)/glulab compare --ffn relu,gelu,swiglu --seeds 1 --steps 800 --out runs/demo --sample 300
	@echo
	@echo "Everything is in runs/demo/: one folder per run (metrics.csv, model.safetensors, ...),"
	@echo "summary.csv, curves.csv and the plots (loss_val.png, gates.png). Next, try:"
	@echo "  build/glulab train --ffn swiglu          # the full 2000-step run, about a minute"
	@echo "  build/glulab sample --ckpt runs/swiglu-1337/model.safetensors --prompt 'ROMEO:'"
	@echo "  make results                             # all 8 FFN kinds x 3 seeds -> docs/results.md"
	@echo "  lessons/01-chain-rule/README.md          # the course, from the chain rule up"

# Where the results targets keep their runs: RUNS=DIR puts them elsewhere (e.g. on a disk that
# outlives the work tree).
RUNS ?= runs
# The full comparison behind docs/results.md: every FFN kind, three seeds, the default model.
# Finished runs in $(RUNS)/results are read back, so an interrupted `make results` continues.
results: deps deps-plot data $(BUILD)/glulab
	$(BUILD)/glulab compare --ffn all --seeds 3 --steps 2000 --out $(RUNS)/results --report docs/results.md
# The norm section of docs/results.md: relu, gelu, swiglu under LayerNorm, next to the page's
# RMSNorm numbers (9 runs, about 45 minutes on 2 quiet cores).
results-norm: deps deps-plot data $(BUILD)/glulab
	$(BUILD)/glulab compare --ffn relu,gelu,swiglu --seeds 3 --steps 2000 --norm layernorm \
	    --out $(RUNS)/layernorm --report docs/results.md

# docs/results.md's "Under int8": every run of results and results-norm under each int8 scheme
# (glulab quant-study writes each run's quant.csv; runs that hold one are skipped), seed 1337's
# runs also one matrix at a time; about 20 minutes on 2 cores.
results-quant: $(BUILD)/glulab
	@test -d $(RUNS)/results || { echo "run 'make results' (and 'make results-norm') first"; exit 2; }
	nice $(BUILD)/glulab quant-study $(RUNS)/results $(wildcard $(RUNS)/layernorm) --windows 256 --per-matrix-seed 1337

# The page's laboratory sections (sweep, warmup, H = 4C, long runs, int8) from whichever of the
# grids above have finished under RUNS; a grid not there leaves its section as it is.
results-page: $(BUILD)/glulab
	$(BUILD)/glulab report --runs $(RUNS) --page docs/results.md

# The learning-rate experiments behind docs/results.md's "Is it the FFN or the learning rate?"
# (docs/experiments.md says what each answers and how long it takes on 2 cores). Each is a
# `glulab compare` grid with a 5% test split, run niced; stopped, the same command continues it.
SWEEP_LRS := 0.0003,0.001,0.003,0.01
SWEEP := $(BUILD)/glulab compare --steps 2000 --test-split 0.05
# Every kind at four peak rates: relu, gelu, swiglu with 3 seeds, the other five with 1.
results-lr: deps deps-plot data $(BUILD)/glulab
	nice $(SWEEP) --ffn relu,gelu,swiglu --seeds 3 --lr $(SWEEP_LRS) --out $(RUNS)/results-lr
	nice $(SWEEP) --ffn swish,glu,bilinear,reglu,geglu --seeds 1 --lr $(SWEEP_LRS) --out $(RUNS)/results-lr-more
# Warmup 0 against the default 100 at the two highest rates, relu, gelu, swiglu, 2 seeds. A
# warmup-100 cell has the settings of results-lr's cell at that rate and seed, and training is
# deterministic, so a finished one is copied from there (compare checks the settings on reading
# it back) rather than trained twice.
results-warmup: deps deps-plot data $(BUILD)/glulab
	mkdir -p $(RUNS)/results-warmup
	for k in relu gelu swiglu; do for lr in 0.003 0.01; do for s in 1337 1338; do \
	  from=$(RUNS)/results-lr/$$k-lr$$lr-s$$s; to=$(RUNS)/results-warmup/$$k-lr$$lr-w100-s$$s; \
	  if [ -f $$from/summary.json ] && [ ! -e $$to ]; then cp -r $$from $$to; fi; done; done; done
	nice $(SWEEP) --ffn relu,gelu,swiglu --seeds 2 --lr 0.003,0.01 --warmup 0,100 --out $(RUNS)/results-warmup
# relu, gelu, swiglu for 10,000 steps, 3 seeds, each at the rate results-lr chose for it.
results-long: deps deps-plot data $(BUILD)/glulab
	@test -f $(RUNS)/results-lr/sweep.csv || { echo "run 'make results-lr' first: it chooses each kind's rate"; exit 2; }
	for k in relu gelu swiglu; do \
	  lr=$$(awk -F, -v k=$$k '$$1 == k { print $$3 }' $(RUNS)/results-lr/sweep.csv); \
	  nice $(BUILD)/glulab compare --steps 10000 --test-split 0.05 --ffn $$k --seeds 3 --lr $$lr \
	    --out $(RUNS)/results-long/$$k || exit $$?; done
# The gated kinds at H = 4C (--match dff: 1.5x the FFN weights of the plain kinds), 3 seeds.
results-dff: deps deps-plot data $(BUILD)/glulab
	nice $(SWEEP) --ffn glu,bilinear,reglu,geglu,swiglu --seeds 3 --match dff --out $(RUNS)/results-dff

data: data/tinyshakespeare.txt
data/tinyshakespeare.txt:
	@sh data/fetch.sh "$(DATA_MIRROR)" $@

clean:
	rm -rf $(BUILD)

include mk/build.mk
include mk/checks.mk
