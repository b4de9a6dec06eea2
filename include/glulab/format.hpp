// format.hpp — numbers as people read them in glulab's tables.
#pragma once

#include <cstdint>
#include <string>

namespace glulab {

// 812416 -> "812,416".
std::string with_commas(int64_t n);

}  // namespace glulab
