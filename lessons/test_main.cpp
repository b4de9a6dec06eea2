// test_main.cpp — the doctest runner for one lesson's exercise tests
// (`make exercise LESSON=NN` links it with lessons/NN-*/test.cpp and your exercise.cpp).
//
// An untouched exercise fails thousands of checks; the runner stops after the first few, so
// that the report fits on a screen, and ends with a line saying where to look. Any doctest
// option still works on the command line: `build/lessons/NN-exercise --abort-after=0` runs
// every check, `-tc="name*"` one test case.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

int main(int argc, char** argv) {
    constexpr int shown_failures = 5;
    doctest::Context context;
    context.setOption("abort-after", shown_failures);  // the command line may override it
    context.applyCommandLine(argc, argv);
    const int status = context.run();
    if (context.shouldExit()) return status;  // --help, --list-test-cases, ...
    if (status != 0)
        std::printf(
            "\nNot yet: the first failed checks are above (at most %d; `%s --abort-after=0` "
            "shows all).\nEach names its line in the lesson's test.cpp: read the check there, "
            "then the README's\n\"Exercises\" for what your function in exercise.cpp must do.\n",
            shown_failures, argv[0]);
    return status;
}
