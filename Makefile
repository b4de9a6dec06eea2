# glulab — build, test, data and the other everyday targets.  `make help` lists them.
#
# Layout: src/**/*.cpp (less src/cli) -> build/libglulab.a; src/cli/*.cpp -> build/glulab;
# tests/*.cpp -> build/tests (doctest); lessons/NN-*/main.cpp -> build/lessons/NN.

CXX      ?= g++
BUILD    := build
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

# Recursive (=) so pkg-config runs after `make deps` has installed the packages.
PKG_CFLAGS = $(shell pkg-config --cflags openblas fmt 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs openblas fmt 2>/dev/null)
CXXFLAGS ?= -O2
# The machine the build runs on; ARCH=x86-64-v3 (say) for a binary to copy elsewhere.
ARCH ?= native
# -fno-math-errno: math functions need not set errno (nothing in glulab reads it), so the
# compiler may treat them as pure and inline sqrt. The vector expf/erff/tanhf calls come from
# the `omp declare simd` declarations in src/ops/act_scalar.hpp.
CXXFLAGS += -std=c++20 -Wall -Wextra -fopenmp -fno-math-errno -march=$(ARCH) -MMD -MP -Iinclude
LDFLAGS  += -fopenmp

LIB_SRC   := $(filter-out src/cli/%,$(wildcard src/*/*.cpp))
CLI_SRC   := $(wildcard src/cli/*.cpp)
TEST_SRC  := $(wildcard tests/*.cpp)
LIB_OBJ   := $(LIB_SRC:%.cpp=$(BUILD)/%.o)
CLI_OBJ   := $(CLI_SRC:%.cpp=$(BUILD)/%.o)
TEST_OBJ  := $(TEST_SRC:tests/%.cpp=$(BUILD)/test_obj/%.o)
LIB       := $(BUILD)/libglulab.a
DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all deps deps-torch deps-plot deps-figures figures deps-site site site-check demo results crosscheck bench test data clean help lessons exercise solutions docs-check
all: $(BUILD)/glulab

help:
	@echo "make demo       the quick start: install, get the data, build, compare relu/gelu/swiglu"
	@echo "make            build build/glulab"
	@echo "make deps       check (and as root install) the Debian packages glulab needs"
	@echo "make test       build and run the unit tests (TEST_ARGS='-tc=\"name*\"' to filter)"
	@echo "make data       get data/tinyshakespeare.txt (DATA_MIRROR=$(DATA_MIRROR) or download)"
	@echo "make lessons    build and run every lesson program (build/lessons/NN)"
	@echo "make exercise LESSON=NN   test your lessons/NN-*/exercise.cpp"
	@echo "make solutions  test every lesson's reference solution"
	@echo "make docs-check check the lessons' pointers into the source and their outputs"
	@echo "make figures    draw every lesson's figures again (lessons/NN-*/figures/, a few minutes)"
	@echo "make site       the lessons, docs and annotated source as HTML in build/site/"
	@echo "make site-check check the site's links and render it in headless Chromium"
	@echo "make crosscheck every FFN kind against the PyTorch reference (tests/torch/)"
	@echo "make bench     glulab's and PyTorch's training speed, same config, as a ratio"
	@echo "make results   the full FFN comparison (8 kinds x 3 seeds) and docs/results.md"
	@echo "make clean      remove build/"

# install_deps: the missing ones of these Debian packages are installed with apt-get as root;
# otherwise the one command to run is printed and make fails.
define install_deps
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

$(BUILD)/%.o: %.cpp | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/test_obj/%.o: tests/%.cpp | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/glulab: $(CLI_OBJ) $(LIB)
	$(CXX) $(LDFLAGS) $^ -o $@ $(PKG_LIBS)

$(BUILD)/tests: $(TEST_OBJ) $(LIB)
	$(CXX) $(LDFLAGS) $^ -o $@ $(PKG_LIBS)

# make test runs everything; make test LESSON=NN runs lesson NN's tests only.
ifeq ($(LESSON),)
test: $(BUILD)/tests $(BUILD)/glulab
	$(BUILD)/tests $(TEST_ARGS)
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
LESSON_CXX = $(CXX) $(CXXFLAGS) $(PKG_CFLAGS) -Iinclude

.SECONDEXPANSION:
$(BUILD)/lessons/%: $$(wildcard $$(call lesson_dir,%)/*.cpp) $$(wildcard $$(call lesson_dir,%)/*.hpp) $(LIB)
	@mkdir -p $(dir $@)
	$(LESSON_CXX) -I$(call lesson_dir,$*) $(call lesson_dir,$*)/main.cpp $(LIB) -o $@ $(LDFLAGS) $(PKG_LIBS)
$(BUILD)/lessons/%-solution: $$(call lesson_files,%) lessons/test_main.cpp $(LIB)
	@mkdir -p $(dir $@)
	$(LESSON_CXX) -I$(call lesson_dir,$*) $(call lesson_dir,$*)/test.cpp $(call lesson_dir,$*)/solution.cpp lessons/test_main.cpp $(LIB) -o $@ $(LDFLAGS) $(PKG_LIBS)
$(BUILD)/lessons/%-exercise: $$(call lesson_files,%) lessons/test_main.cpp $(LIB)
	@mkdir -p $(dir $@)
	$(LESSON_CXX) -I$(call lesson_dir,$*) $(call lesson_dir,$*)/test.cpp $(call lesson_dir,$*)/exercise.cpp lessons/test_main.cpp $(LIB) -o $@ $(LDFLAGS) $(PKG_LIBS)

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

docs-check: lessons
	python3 tests/docs_check.py --self-test
	python3 tests/docs_check.py

# The lessons' figures: docs/figures/make_figures.sh runs glulab (the lesson programs, the CLI and
# build/figure_data, which calls glulab's kernels) for the numbers, then gnuplot and Graphviz.
$(BUILD)/figure_data: docs/figures/figure_data.cpp $(LIB)
	$(CXX) $(CXXFLAGS) $(PKG_CFLAGS) $< $(LIB) -o $@ $(LDFLAGS) $(PKG_LIBS)
figures: deps-figures data $(BUILD)/glulab $(BUILD)/figure_data $(BUILD)/lessons/03
	sh docs/figures/make_figures.sh

# The site: lessons and docs as HTML (math as MathML) beside the annotated source.
site: deps-site
	python3 docs/site/build_site.py
site-check: site
	python3 tests/site_check.py

# Against PyTorch (Debian's python3-torch): every FFN kind's logits, loss, gradients and five
# AdamW steps (tests/torch/run_crosscheck.sh); and the training speed of both at the default
# configuration, run in the same command, as a ratio (tests/torch/run_bench.sh).
crosscheck: $(BUILD)/glulab deps-torch
	sh tests/torch/run_crosscheck.sh
bench: $(BUILD)/glulab deps-torch
	sh tests/torch/run_bench.sh

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

data: data/tinyshakespeare.txt
data/tinyshakespeare.txt:
	@sh data/fetch.sh "$(DATA_MIRROR)" $@

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
