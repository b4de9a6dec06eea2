// format.hpp — numbers and text as people read them in glulab's tables and reports.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace glulab {

// 812416 -> "812,416".
std::string with_commas(int64_t n);
// {"a", "b"}, ", " -> "a, b".
std::string join(const std::vector<std::string>& parts, const std::string& sep);
// `text` broken at spaces into lines of at most `width` characters, each after `indent`.
std::string wrap(const std::string& text, size_t width, const std::string& indent);

}  // namespace glulab
