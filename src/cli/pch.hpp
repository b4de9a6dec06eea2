// pch.hpp — the heavy headers every command file includes, compiled once into a precompiled
// header (build/pch/cli.hpp.gch, see the Makefile). CLI11 is header-only (Debian ships no
// compiled CLI11), and parsing it costs several seconds per file; with the precompiled header
// it is parsed once per build.
#pragma once

#include <CLI/CLI.hpp>
#include <fmt/format.h>
