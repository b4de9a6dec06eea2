// cmd_gradcheck.cpp — `glulab gradcheck`: every analytic gradient against central differences.
//
// Runs gradcheck_all() (src/autograd/gradcheck.cpp: each op, then small compositions, fixed seed)
// and prints one line per check:
//
//   OK   rms_norm         max rel err 3.1e-07
//   FAIL attention        max rel err 2.4e-01
//        <which input, index, analytic and numeric value>
//
// then a count. Exits with 1 when any check failed, so scripts and CI can rely on it.
//
// Lesson 05 · gradient checking
#include "commands.hpp"

#include "glulab/autograd/gradcheck.hpp"

#include <fmt/core.h>

namespace glulab {

namespace {

int run_gradcheck() {
    int failed = 0;
    const std::vector<GradcheckResult> results = gradcheck_all();
    for (const GradcheckResult& r : results) {
        fmt::print("{}\n", format_result(r));
        failed += !r.ok;
    }
    fmt::print("gradcheck: {} passed, {} failed\n", results.size() - static_cast<size_t>(failed),
               failed);
    return failed ? 1 : 0;
}

}  // namespace

void add_gradcheck_command(CLI::App& app) {
    Command* cmd = add_command(
        app, "gradcheck", "Check every op's analytic gradient against central differences");
    cmd->callback([] {
        if (int code = run_gradcheck()) throw ExitCode{code};
    });
}

}  // namespace glulab
