# mk/config.mk — compilers, flags, build variants and source lists (included by the Makefile).

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

