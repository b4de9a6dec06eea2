# mk/checks.mk — the checks CI runs beside the unit tests (included by the Makefile).

# The map of docs/architecture.md, kept true: no file includes a layer above its own
# (platform -> core -> ops -> autograd -> nn -> train -> experiment -> cli), and each layer's
# lines stay within the budget tests/layers.py gives it.
layers:
	python3 tests/layers.py --self-test
	python3 tests/layers.py check
loc:
	python3 tests/layers.py loc

# make test-distributed: N = 1, 2, 4 ranks and two network namespaces give the training of one
# process (tests/distributed/run.sh; needs root for the namespaces). Builds build/mpi/glulab.
test-distributed: deps-mpi
	@$(MAKE) --no-print-directory MPI=1 build/mpi/glulab
	bash tests/distributed/run.sh

# make bench-distributed: 1 rank x 2 threads against 2 ranks x 1 thread, as ratios.
bench-distributed: deps-mpi
	@$(MAKE) --no-print-directory MPI=1 build/mpi/glulab
	bash tests/distributed/scaling.sh

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
FUZZ_OBJ := $(filter-out $(BUILD)/src/experiment/% $(BUILD)/src/platform/alloc_counter.o,$(LIB_OBJ))
$(BUILD)/fuzz_checkpoint: tests/fuzz/fuzz_checkpoint.cpp $(FUZZ_OBJ)
	$(CXX) $(ALL_CXXFLAGS) -fsanitize=fuzzer $< $(FUZZ_OBJ) -o $@ $(ALL_LDFLAGS) $(PKG_LIBS)

