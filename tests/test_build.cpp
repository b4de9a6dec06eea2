// test_build.cpp — the Makefile as a user meets it: flags given on the command line add to the
// ones glulab needs, and a system without dpkg-query can still build.
//
// Each test runs `make` in the source tree (the first folder above this test binary that holds
// the Makefile), with BUILD set to a temporary directory, so the real build/ is left alone.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include "test_util.hpp"

namespace fs = std::filesystem;
using glulab_test::contains;
using glulab_test::quoted;
using glulab_test::read_file;
using glulab_test::TempDir;

namespace {

// The source tree: the first folder above the test binary that holds the Makefile (build/tests,
// build/sanitize/tests).
fs::path source_tree() {
    fs::path dir = fs::read_symlink("/proc/self/exe").parent_path();
    while (dir.has_parent_path() && dir != dir.root_path() && !fs::exists(dir / "Makefile")) dir = dir.parent_path();
    return dir;
}

struct Make {
    int code = -1;
    std::string out;
};

// `make ARGS` in the source tree, stdout and stderr together; `env` goes before it (e.g. PATH=...).
Make run_make(const TempDir& tmp, const std::string& args, const std::string& env = "") {
    // "$(command -v make)" is expanded before `env` applies, so a PATH in `env` still finds make.
    // What a parent make passes down (MAKEFLAGS holds its command-line variables, e.g. the
    // BUILD and SANITIZE of `make sanitize`) and flags in the environment are left out.
    const std::string cmd = fmt::format("env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u CXXFLAGS -u LDFLAGS {} \"$(command -v make)\" --no-print-directory -C {} BUILD={} {} >{} 2>&1", env,
                                        quoted(source_tree()), quoted(tmp / "build"), args, quoted(tmp / "log"));
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(tmp / "log")};
}

// The last -O flag of a compile line (the one g++ obeys), "" if none.
std::string last_opt(const std::string& line) {
    std::istringstream words(line);
    std::string word, opt;
    while (words >> word)
        if (word.rfind("-O", 0) == 0) opt = word;
    return opt;
}

// The word after `flag` on a line, "" if the flag is absent.
std::string word_after(const std::string& line, const std::string& flag) {
    std::istringstream words(line);
    std::string word;
    while (words >> word)
        if (word == flag && (words >> word)) return word;
    return "";
}

}  // namespace

TEST_SUITE_BEGIN("build");

TEST_CASE("build: CXXFLAGS and LDFLAGS from the command line add to glulab's flags, never replace them") {
    TempDir tmp("build-flags");
    const Make m = run_make(tmp, fmt::format("-n -B CXXFLAGS=-g LDFLAGS=-Wl,-O1 SKIP_DEPS=1 {}",
                                             quoted(tmp / "build" / "glulab")));
    INFO(m.out);
    REQUIRE(m.code == 0);
    for (const char* flag : {"-std=c++20", "-fopenmp", "-Iinclude", "-MMD", " -g "})
        CHECK_MESSAGE(contains(m.out, flag), "the compile lines should have " << flag);
    CHECK(contains(m.out, "-Wl,-O1 -fopenmp"));  // the link line keeps -fopenmp
}

TEST_CASE("build: each file gets the precompiled header made with its own flags; PCH=0 and clang build without it") {
    TempDir tmp("build-pch");
    const std::string targets = fmt::format("{} {}", quoted(tmp / "build" / "glulab"), quoted(tmp / "build" / "tests"));
    const Make m = run_make(tmp, "-n -B SKIP_DEPS=1 " + targets);
    INFO(m.out);
    REQUIRE(m.code == 0);
    // The -O of each precompiled header, by the header it is made from ...
    std::map<std::string, std::string> pch_opt;
    std::istringstream lines(m.out);
    for (std::string line; std::getline(lines, line);)
        if (contains(line, "-x c++-header")) pch_opt[word_after(line, "c++-header")] = last_opt(line);
    REQUIRE(pch_opt.size() == 3);  // hot, cold, test
    // ... must be the -O of every file that uses it; each library, command and test file uses one.
    int files = 0;
    std::istringstream again(m.out);
    for (std::string line; std::getline(again, line);) {
        const std::string source = word_after(line, "-c");
        if (source.empty() || source == "src/platform/dist.cpp") continue;
        INFO(line);
        const std::string pch = word_after(line, "-include");
        REQUIRE(pch_opt.count(pch) == 1);
        CHECK(pch_opt[pch] == last_opt(line));
        files++;
    }
    CHECK(files > 60);

    for (const char* without : {"PCH=0", "CXX=clang++"}) {
        const Make off = run_make(tmp, fmt::format("-n -B SKIP_DEPS=1 {} {}", without, targets));
        INFO(without, off.out);
        REQUIRE(off.code == 0);
        CHECK_FALSE(contains(off.out, ".gch"));
        CHECK_FALSE(contains(off.out, "-include"));
    }
}

TEST_CASE("build: without dpkg-query the package check is skipped, not failed") {
    TempDir tmp("build-nodpkg");
    // A PATH with the two tools the stamp's recipe needs besides the check, and no dpkg-query.
    const fs::path bin = tmp / "bin";
    fs::create_directories(bin);
    for (const char* tool : {"mkdir", "touch"}) {
        const std::string found = fmt::format("/bin/{}", tool);
        fs::create_symlink(fs::exists(found) ? found : fmt::format("/usr/bin/{}", tool), bin / tool);
    }
    const fs::path stamp = tmp / "build" / ".deps-ok";
    const Make m = run_make(tmp, quoted(stamp), fmt::format("PATH={}", quoted(bin)));
    INFO(m.out);
    CHECK(m.code == 0);
    CHECK(contains(m.out, "no dpkg-query"));
    CHECK(fs::exists(stamp));

    fs::remove(stamp);
    const Make skipped = run_make(tmp, "SKIP_DEPS=1 " + quoted(stamp), fmt::format("PATH={}", quoted(bin)));
    INFO(skipped.out);
    CHECK(skipped.code == 0);
    CHECK_FALSE(contains(skipped.out, "dpkg-query"));
    CHECK(fs::exists(stamp));
}

TEST_SUITE_END();
