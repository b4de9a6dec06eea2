# glulab — build, test, data and the other everyday targets.  `make help` lists them.
#
# Layout: src/**/*.cpp (less src/cli) -> build/libglulab.a; src/cli/*.cpp -> build/glulab;
# tests/*.cpp -> build/tests (doctest); lessons/NN-*/main.cpp -> build/lessons/NN.

CXX      ?= g++
BUILD    := build
# make DEBUG=1: all of glulab built with GLULAB_DEBUG, in build/debug/: the checks that cost run
# time, such as a Tensor read after its tape's reset() (tensor.hpp → Tensor::check_live).
DEBUG ?= 0
ifeq ($(DEBUG),1)
BUILD    := build/debug
DEBUG_CFLAGS := -DGLULAB_DEBUG
endif
# make MPI=1: the data-parallel build (docs/distributed.md), build/mpi/glulab beside the plain
# one. Only src/platform/dist.cpp differs: it is compiled into build/mpi/ with the flags mpicc
# would add (glulab uses MPI's C API, so CXX="ccache g++" still works) and -DGLULAB_MPI; every
# other object is the plain build's, in build/, and the link adds MPI's libraries.
MPI ?= 0
PLAIN    := $(BUILD)
ifeq ($(MPI),1)
BUILD    := $(PLAIN)/mpi
MPI_CFLAGS := -DGLULAB_MPI $(shell mpicc --showme:compile 2>/dev/null)
MPI_LIBS   := $(shell mpicc --showme:link 2>/dev/null)
endif
DATA_MIRROR ?= ../shared/data
# Extra flags for the test runner, e.g. make test TEST_ARGS='-tc="rms_norm*"'
TEST_ARGS ?=

# Debian packages the build and the tests need (`make deps` installs what is missing).
DEPS_BUILD := g++ make pkg-config python3 libopenblas-dev libfmt-dev doctest-dev libcli11-dev nlohmann-json3-dev
# Needed only by the PyTorch cross-check and the PyTorch side of the benchmark.
DEPS_TORCH := python3 python3-torch python3-numpy
# Needed only to draw plots (without it glulab draws ASCII charts).
DEPS_PLOT  := gnuplot-nox
# Needed only to draw the lessons' figures (`make figures`): gnuplot's plots, Graphviz's graphs.
DEPS_FIGURES := gnuplot-nox graphviz
# Needed only for the lesson site and its check (fonts-dejavu-extra: a math font for Chromium).
DEPS_SITE  := python3 pandoc chromium fonts-dejavu-extra
# Needed only by `make MPI=1` and `make test-distributed` (mpirun, and ip for its two hosts).
DEPS_MPI   := openmpi-bin libopenmpi-dev iproute2
# Needed only by `make fuzz`: clang's libFuzzer and sanitizer runtimes, and its OpenMP.
DEPS_FUZZ  := clang libclang-rt-14-dev libomp-dev

# Recursive (=) so pkg-config runs after `make deps` has installed the packages.
PKG_CFLAGS = $(shell pkg-config --cflags openblas fmt 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs openblas fmt 2>/dev/null) $(MPI_LIBS)
# CXXFLAGS and LDFLAGS are the user's (`make CXXFLAGS=-g`): they are added to the flags glulab
# needs (GLULAB_CXXFLAGS, GLULAB_LDFLAGS), never replace them, and come after OPT, so an -O of
# theirs (`make CXXFLAGS="-O0 -g"`) wins.
CXXFLAGS ?=
LDFLAGS  ?=
# Optimisation: OPT where glulab computes, OPT_COLD for the files of COLD_SRC below, which run
# once per command and whose compile time is C++ templates (nlohmann-json, CLI11, fmt), and
# OPT_TEST for the unit tests (doctest's assertions), whose heavy loops are the library's.
OPT      ?= -O2
OPT_COLD ?= -O1
OPT_TEST ?= -O0
# The machine the build runs on; ARCH=x86-64-v3 (say) for a binary to copy elsewhere.
ARCH ?= native
# -fno-math-errno: math functions need not set errno (nothing in glulab reads it), so the
# compiler may treat them as pure and inline sqrt. The vector expf/erff/tanhf calls come from
# the `omp declare simd` declarations in src/ops/act_scalar.hpp.
# Extra compile-and-link flags, e.g. the sanitizers of `make sanitize`.
SANITIZE ?=
GLULAB_CXXFLAGS := -std=c++20 -Wall -Wextra -fopenmp -fno-math-errno -march=$(ARCH) -MMD -MP -Iinclude $(DEBUG_CFLAGS) $(SANITIZE)
GLULAB_LDFLAGS  := -fopenmp $(SANITIZE)
ALL_CXXFLAGS = $(OPT) $(CXXFLAGS) $(GLULAB_CXXFLAGS) $(PKG_CFLAGS)
ALL_LDFLAGS  = $(LDFLAGS) $(GLULAB_LDFLAGS)
# SKIP_DEPS=1: the libraries were installed by other means (no Debian, no dpkg-query): the
# package check is skipped and the build finds them through pkg-config and the compiler's paths.
# Without dpkg-query the check is skipped too, with a note.
SKIP_DEPS ?=

LIB_SRC   := $(filter-out src/cli/%,$(wildcard src/*/*.cpp))
CLI_SRC   := $(wildcard src/cli/*.cpp)
TEST_SRC  := $(wildcard tests/*.cpp)
DIST_OBJ  := $(BUILD)/src/platform/dist.o
LIB_OBJ   := $(filter-out $(PLAIN)/src/platform/dist.o,$(LIB_SRC:%.cpp=$(PLAIN)/%.o)) $(DIST_OBJ)
CLI_OBJ   := $(CLI_SRC:%.cpp=$(PLAIN)/%.o)
TEST_OBJ  := $(TEST_SRC:tests/%.cpp=$(BUILD)/test_obj/%.o)
LIB       := $(BUILD)/libglulab.a
DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: results-lr results-warmup results-long results-dff layers loc
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
	@echo "make clean      remove build/"

# install_deps: the missing ones of these Debian packages are installed with apt-get as root;
# otherwise the one command to run is printed and make fails.
define install_deps
if [ -n "$(SKIP_DEPS)" ]; then exit 0; fi; \
if ! command -v dpkg-query >/dev/null 2>&1; then \
  echo "glulab: no dpkg-query (not Debian?): not checking packages; install these by other means:$(strip $(1))" >&2; \
  exit 0; \
fi; \
missing=""; for p in $(1); do \
  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
done; \
if [ -z "$$missing" ]; then true; \
elif [ "$$(id -u)" = 0 ]; then \
  echo "glulab: installing missing Debian packages:$$missing"; \
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
  || { echo "glulab: apt-get could not install:$$missing" >&2; exit 1; }; \
else \
  echo "glulab: missing Debian packages:$$missing" >&2; \
  echo "glulab: run this once, then try again:" >&2; \
  echo "    sudo apt-get install -y$$missing" >&2; exit 1; \
fi
endef

# deps: installs with apt-get as root, otherwise prints the one command to run and fails.
deps: $(DEPS_STAMP)
$(DEPS_STAMP): Makefile
	@$(call install_deps,$(DEPS_BUILD))
	@mkdir -p $(BUILD) && touch $@
deps-torch:
	@$(call install_deps,$(DEPS_TORCH))
deps-plot:
	@$(call install_deps,$(DEPS_PLOT))
deps-figures:
	@$(call install_deps,$(DEPS_FIGURES))
deps-site:
	@$(call install_deps,$(DEPS_SITE))
deps-mpi:
	@$(call install_deps,$(DEPS_MPI))

$(PLAIN)/%.o: %.cpp | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) $(PCH_FLAGS) -c $< -o $@
$(DIST_OBJ): src/platform/dist.cpp | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) $(MPI_CFLAGS) -c $< -o $@

# The results page's prose (docs/templates/NAME.md, fmt placeholders such as {steps}) is built
# into the binary as raw string literals, glulab::templates::NAME (dashes as underscores), so
# `glulab compare --report` works from any directory.
TEMPLATES := $(sort $(wildcard docs/templates/*.md))
TEMPLATES_HPP := $(PLAIN)/gen/glulab/templates.hpp
GLULAB_CXXFLAGS += -I$(PLAIN)/gen
$(TEMPLATES_HPP): $(TEMPLATES)
	@mkdir -p $(@D)
	@{ echo '// templates.hpp — generated by the Makefile from docs/templates/*.md; edit those.'; \
	   echo '#pragma once'; echo '#include <string_view>'; echo 'namespace glulab::templates {'; \
	   for f in $(TEMPLATES); do \
	     printf 'inline constexpr std::string_view %s = R"glulab_template(' "$$(basename $$f .md | tr - _)"; \
	     cat $$f; echo ')glulab_template";'; done; \
	   echo '}  // namespace glulab::templates'; } > $@.tmp && mv $@.tmp $@
$(PLAIN)/src/experiment/report.o $(PLAIN)/src/experiment/norm_report.o: $(TEMPLATES_HPP)

$(BUILD)/test_obj/%.o: tests/%.cpp | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) $(PCH_FLAGS) -c $< -o $@

# The cold files: the command line, checkpoints and run files, the trainer's bookkeeping (its
# math is the kernels'), the experiment layer's tables, reports and plots. At -O1 one such file
# compiles up to a fifth faster than at -O2, and none runs measurably slower: their time goes to
# files, OpenBLAS and the kernels (docs/build.md). The tests compile at -O0, a fifth to a
# quarter faster again; the kernels they check stay the library's -O2 objects.
COLD_SRC := $(CLI_SRC) $(wildcard src/train/checkpoint.cpp src/train/safetensors.cpp src/train/trainer.cpp src/train/json_io.cpp src/train/run_dir.cpp \
              src/train/run_lock.cpp src/train/stop.cpp src/experiment/compare.cpp src/experiment/plot.cpp \
              src/experiment/report.cpp src/experiment/norm_report.cpp)
COLD_OBJ := $(COLD_SRC:%.cpp=$(PLAIN)/%.o)
$(COLD_OBJ): OPT = $(OPT_COLD)
$(TEST_OBJ): OPT = $(OPT_TEST)

# Precompiled headers: src/pch.hpp (the standard and fmt headers most files include) compiled
# once for each optimisation level, and put in front of every library, command and test file
# with -include, so g++ parses those headers once per build instead of once per file. A
# precompiled header only serves files compiled with its own flags, hence one per group: hot
# (OPT), cold (OPT_COLD), tests (OPT_TEST). The MPI file and the debug checks, which add their
# own -D flags, and the lessons, which learners build, compile without it. PCH=0 turns it off;
# clang (make fuzz) cannot read g++'s precompiled headers, so it is off there.
PCH ?= $(if $(findstring clang,$(CXX)),0,1)
# ccache (CXX="ccache g++") caches a file compiled with a precompiled header only with these.
export CCACHE_SLOPPINESS ?= pch_defines,time_macros
ifeq ($(PCH),1)
$(PLAIN)/pch/cold/pch.hpp.gch: OPT = $(OPT_COLD)
$(PLAIN)/pch/test/pch.hpp.gch: OPT = $(OPT_TEST)
# The header is copied beside its .gch: should g++ find the .gch unusable, it warns
# (-Winvalid-pch) and reads the copy as a plain header instead.
$(PLAIN)/pch/%/pch.hpp.gch: src/pch.hpp | $(DEPS_STAMP)
	@mkdir -p $(@D) && cp $< $(@D)/pch.hpp
	$(CXX) $(ALL_CXXFLAGS) -x c++-header $(@D)/pch.hpp -o $@
HOT_OBJ := $(filter-out $(COLD_OBJ) $(DIST_OBJ),$(LIB_OBJ))
$(HOT_OBJ): $(PLAIN)/pch/hot/pch.hpp.gch
$(HOT_OBJ): PCH_FLAGS = -Winvalid-pch -include $(PLAIN)/pch/hot/pch.hpp
$(COLD_OBJ): $(PLAIN)/pch/cold/pch.hpp.gch
$(COLD_OBJ): PCH_FLAGS = -Winvalid-pch -include $(PLAIN)/pch/cold/pch.hpp
$(TEST_OBJ): $(PLAIN)/pch/test/pch.hpp.gch
$(TEST_OBJ): PCH_FLAGS = -Winvalid-pch -include $(PLAIN)/pch/test/pch.hpp
endif

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/glulab: $(CLI_OBJ) $(LIB)
	$(CXX) $(ALL_LDFLAGS) $^ -o $@ $(PKG_LIBS)

$(BUILD)/tests: $(TEST_OBJ) $(LIB)
	$(CXX) $(ALL_LDFLAGS) $^ -o $@ $(PKG_LIBS)

# build/debug_tests: the GLULAB_DEBUG checks' own tests (tests/debug/), without a debug build of
# all of glulab. The check changes Tensor's layout, so every file that sees a Tensor is compiled
# with -DGLULAB_DEBUG: src/core/, src/autograd/ and the test. The kernels (src/ops/, raw float arrays only),
# the platform code and the doctest runner come from the plain build.
DEBUG_CHECK_OBJ := $(patsubst %.cpp,$(BUILD)/debug_check/%.o,$(wildcard src/core/*.cpp src/autograd/*.cpp) $(wildcard tests/debug/*.cpp))
$(BUILD)/debug_check/%.o: %.cpp | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) -DGLULAB_DEBUG -c $< -o $@
$(BUILD)/debug_tests: $(DEBUG_CHECK_OBJ) $(BUILD)/test_obj/main.o $(filter $(PLAIN)/src/ops/% $(PLAIN)/src/platform/%,$(LIB_OBJ))
	$(CXX) $(ALL_LDFLAGS) $^ -o $@ $(PKG_LIBS)

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

# make test-distributed: N = 1, 2, 4 ranks and two network namespaces give the training of one
# process (tests/distributed/run.sh; needs root for the namespaces). Builds build/mpi/glulab.
test-distributed: deps-mpi
	@$(MAKE) --no-print-directory MPI=1 build/mpi/glulab
	bash tests/distributed/run.sh

# make bench-distributed: 1 rank x 2 threads against 2 ranks x 1 thread, as ratios.
bench-distributed: deps-mpi
	@$(MAKE) --no-print-directory MPI=1 build/mpi/glulab
	bash tests/distributed/scaling.sh

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

# The map of docs/architecture.md, kept true: no file includes a layer above its own
# (platform -> core -> ops -> autograd -> nn -> train -> experiment -> cli), and each layer's
# lines stay within the budget tests/layers.py gives it.
layers:
	python3 tests/layers.py --self-test
	python3 tests/layers.py check
loc:
	python3 tests/layers.py loc

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

# The full comparison behind docs/results.md: every FFN kind, three seeds, the default model.
# Finished runs in runs/results are read back, so an interrupted `make results` continues.
results: deps deps-plot data $(BUILD)/glulab
	$(BUILD)/glulab compare --ffn all --seeds 3 --steps 2000 --out runs/results --report docs/results.md
# The norm section of docs/results.md: relu, gelu, swiglu under LayerNorm, next to the page's
# RMSNorm numbers (9 runs, about 45 minutes on 2 quiet cores).
results-norm: deps deps-plot data $(BUILD)/glulab
	$(BUILD)/glulab compare --ffn relu,gelu,swiglu --seeds 3 --steps 2000 --norm layernorm \
	    --out runs/layernorm --report docs/results.md

# The learning-rate experiments behind docs/results.md's "Is it the FFN or the learning rate?"
# (docs/experiments.md says what each answers and how long it takes on 2 cores). Each is a
# `glulab compare` grid with a 5% test split, run niced; stopped, the same command continues it.
# RUNS=DIR puts the runs elsewhere (e.g. on a disk that outlives the work tree).
RUNS ?= runs
SWEEP_LRS := 0.0003,0.001,0.003,0.01
SWEEP := $(BUILD)/glulab compare --steps 2000 --test-split 0.05
# Every kind at four peak rates: relu, gelu, swiglu with 3 seeds, the other five with 1.
results-lr: deps deps-plot data $(BUILD)/glulab
	nice $(SWEEP) --ffn relu,gelu,swiglu --seeds 3 --lr $(SWEEP_LRS) --out $(RUNS)/results-lr
	nice $(SWEEP) --ffn swish,glu,bilinear,reglu,geglu --seeds 1 --lr $(SWEEP_LRS) --out $(RUNS)/results-lr-more
# Warmup 0 against the default 100 at the two highest rates, relu, gelu, swiglu, 2 seeds.
results-warmup: deps deps-plot data $(BUILD)/glulab
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

# Sanitizers, fuzzing, crashes
# ----------------------------
# make sanitize: the whole unit test suite built in its own directory with AddressSanitizer and
# UndefinedBehaviorSanitizer; any report fails it (halt_on_error, no recovery).
SANITIZE_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g
sanitize: $(DEPS_STAMP)
	@CXXFLAGS=-O1 $(MAKE) --no-print-directory BUILD=$(BUILD)/sanitize SANITIZE="$(SANITIZE_FLAGS)" $(BUILD)/sanitize/tests $(BUILD)/sanitize/glulab
	ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  $(BUILD)/sanitize/tests $(TEST_ARGS)

# make fuzz: libFuzzer on the checkpoint loader (tests/fuzz/fuzz_checkpoint.cpp), built with
# clang, ASan and UBSan in build/fuzz/, for FUZZ_SECONDS. It starts from the committed seeds
# (tests/fuzz/corpus/, made by tests/fuzz/make_corpus.py) and keeps what it finds in
# build/fuzz/corpus/; a finding stops it with the input saved as build/fuzz/crash-*.
# FUZZ_RUNS=N stops it after N inputs instead, if that comes first (-1: no limit).
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= -1
FUZZ_CXX ?= clang++
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -Wno-pass-failed
fuzz:
	@$(call install_deps,$(DEPS_FUZZ))
	@CXXFLAGS=-O1 $(MAKE) --no-print-directory BUILD=$(BUILD)/fuzz CXX="$(FUZZ_CXX)" SANITIZE="$(FUZZ_FLAGS)" $(BUILD)/fuzz/fuzz_checkpoint
	@mkdir -p $(BUILD)/fuzz/corpus
	cd $(BUILD)/fuzz && ASAN_OPTIONS=detect_leaks=1 ./fuzz_checkpoint -max_total_time=$(FUZZ_SECONDS) -runs=$(FUZZ_RUNS) -max_len=16384 \
	  -rss_limit_mb=1024 -malloc_limit_mb=256 -print_final_stats=1 -dict=$(CURDIR)/tests/fuzz/checkpoint.dict \
	  corpus $(CURDIR)/tests/fuzz/corpus
# make crash-test: kill -9 a tiny training run at 12 random moments, resume it each time; the
# finished checkpoint must be byte-identical to an uninterrupted run's (tests/crash_test.sh).
crash-test: $(BUILD)/glulab
	bash tests/crash_test.sh $(BUILD)/glulab 12

# The loader needs the library of training (the checkpoint's config is read through
# json_io.cpp, which validates a TrainConfig), not the experiment layer or the CLI: fewer
# files to build with clang.
FUZZ_OBJ := $(filter-out $(BUILD)/src/experiment/%,$(LIB_OBJ))
$(BUILD)/fuzz_checkpoint: tests/fuzz/fuzz_checkpoint.cpp $(FUZZ_OBJ)
	$(CXX) $(ALL_CXXFLAGS) -fsanitize=fuzzer $< $(FUZZ_OBJ) -o $@ $(ALL_LDFLAGS) $(PKG_LIBS)

data: data/tinyshakespeare.txt
data/tinyshakespeare.txt:
	@sh data/fetch.sh "$(DATA_MIRROR)" $@

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(DEBUG_CHECK_OBJ:.o=.d) $(wildcard $(PLAIN)/pch/*/pch.hpp.d)
