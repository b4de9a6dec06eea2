// check.cpp — formats and throws glulab::Error for GLULAB_CHECK (see check.hpp).
#include "glulab/platform/check.hpp"

#include <cstring>

namespace glulab {

[[noreturn]] void throw_error(const char* file, int line, const std::string& message,
                              const char* hint) {
    // Keep only the path from src/ or include/ on, so messages read the same on every machine.
    const char* shown = file;
    for (const char* root : {"src/", "include/", "tests/", "lessons/"})
        if (const char* at = std::strstr(file, root)) { shown = at; break; }
    std::string text = fmt::format("{}:{}: {}", shown, line, message);
    if (hint && *hint) text += fmt::format(" (hint: {})", hint);
    throw Error(text);
}

}  // namespace glulab
