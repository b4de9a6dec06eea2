// pch.hpp — the standard and fmt headers most of glulab's files include, compiled once per build.
//
// The Makefile compiles this header into a precompiled header (build/pch/<group>/pch.hpp.gch)
// and hands it to each library, command and test file with `-include`, so g++ parses these
// headers once instead of once per file (docs/build.md → "The third step"). Nothing depends on
// it: every file still includes what it uses, and `make PCH=0` (or clang) builds without it.
// Only third-party and standard headers belong here, never glulab's own: a file that forgot an
// include of glulab's would then build only with the precompiled header.

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
