# mk/deps.mk — the Debian packages of each target; `make deps` installs what is missing.

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

