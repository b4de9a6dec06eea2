// check.hpp — glulab's one error type and its one check macro.
//
// Every precondition in glulab is a `GLULAB_CHECK(cond, hint, format, args...)`. When `cond`
// is false it throws `glulab::Error` whose message names the file and line, says what went
// wrong (formatted with fmt) and adds a hint on how to fix it. Tests assert on these errors;
// the CLI catches them, prints the message and exits with code 2.
//
// Lesson 02 · tensors, shapes and memory
#pragma once

// <fmt/core.h> holds all of fmt that glulab uses but fmt::join, and parses in half the time of
// <fmt/format.h> (docs/build.md); a file that calls fmt::join, or tensor.hpp's Shape formatter,
// includes <fmt/format.h>.
#include <fmt/core.h>

#include <stdexcept>
#include <string>

namespace glulab {

// Error
// -----
// What every glulab check throws. `what()` is the full message: "file:line: message (hint: ...)".
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Builds the message and throws; the macro below is the only caller.
[[noreturn]] void throw_error(const char* file, int line, const std::string& message,
                              const char* hint);

}  // namespace glulab

// GLULAB_CHECK(cond, hint, fmt_string, args...): throw glulab::Error unless `cond` holds.
// `hint` is a plain string telling the reader how to fix the problem ("" for none).
#define GLULAB_CHECK(cond, hint, ...)                                                    \
    do {                                                                                 \
        if (!(cond)) ::glulab::throw_error(__FILE__, __LINE__, fmt::format(__VA_ARGS__), \
                                           (hint));                                      \
    } while (0)
