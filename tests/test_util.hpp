// test_util.hpp — small helpers shared by the test files.
#pragma once

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace glulab_test {

// A fresh directory under the system's temp dir, removed with everything in it at scope exit.
struct TempDir {
    std::filesystem::path dir;
    explicit TempDir(const std::string& tag)
        : dir(std::filesystem::temp_directory_path() / fmt::format("glulab-test-{}-{}", tag, getpid())) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    ~TempDir() { std::filesystem::remove_all(dir); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string path(const std::string& name) const { return (dir / name).string(); }
    std::filesystem::path operator/(const std::string& name) const { return dir / name; }
};

}  // namespace glulab_test
