// format.cpp — numbers as people read them (see format.hpp).
#include "glulab/format.hpp"

#include <fmt/core.h>

namespace glulab {

std::string with_commas(int64_t n) {
    std::string digits = fmt::format("{}", n < 0 ? -n : n), s;
    for (size_t i = 0; i < digits.size(); i++) {
        if (i && (digits.size() - i) % 3 == 0) s += ',';
        s += digits[i];
    }
    return n < 0 ? "-" + s : s;
}

}  // namespace glulab
