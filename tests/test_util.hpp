// test_util.hpp — small helpers shared by the test files (the JSON ones are in test_util.cpp).
#pragma once

#include "glulab/platform/check.hpp"
#include "glulab/train/data.hpp"
#include "glulab/train/trainer.hpp"
#include "glulab/platform/rng.hpp"

#include <fmt/core.h>
#include <omp.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <cstddef>

namespace glulab_test {

// The bytes of a file; empty when it cannot be read (a test checks existence separately).
inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// A few thousand characters of a small grammar (lower-case letters, space, '.', newline), the
// same for the same seed and length.
inline std::string grammar_text(uint64_t seed, int sentences = 150) {
    const char* subjects[] = {"the cat", "a dog", "my sister", "the baker"};
    const char* verbs[] = {"sees", "likes", "finds"};
    const char* objects[] = {"the moon", "a red ball", "some bread"};
    glulab::Rng rng(seed);
    std::string text;
    for (int i = 0; i < sentences; i++)
        text += fmt::format("{} {} {}.{}", subjects[rng.below(4)], verbs[rng.below(3)], objects[rng.below(3)],
                            i % 4 == 3 ? "\n" : " ");
    return text;
}

// A run small enough for a unit test, over `text` (written to tmp/text.txt, once): T = 8, one
// swiglu block of C = 16 with 2 heads, 40 steps of AdamW (lr 1e-2 down to 1e-3, 5 of warmup),
// B = 4, an evaluation of 2 batches every 10 steps, seed 42, one thread. A test changes the
// fields it is about.
inline glulab::TrainConfig tiny_train_config(const std::filesystem::path& tmp, const std::string& text) {
    const std::filesystem::path file = tmp / "text.txt";
    if (!std::filesystem::exists(file)) write_file(file, text);
    glulab::TrainConfig cfg;
    cfg.data = file.string();
    cfg.model = glulab::ModelConfig{.ctx = 8, .layers = 1, .d_model = 16, .heads = 2, .ffn = glulab::FfnKind::swiglu};
    cfg.optim = glulab::OptimConfig{.lr = 1e-2f, .min_lr = 1e-3f, .warmup = 5, .steps = 40};
    cfg.batch = 4;
    cfg.eval_every = 10;
    cfg.eval_batches = 2;
    cfg.seed = 42;
    cfg.threads = 1;
    return cfg;
}

// train_run sets the OpenMP thread count of the process; give the other tests theirs back.
struct OmpThreadsGuard {
    int before = omp_get_max_threads();
    ~OmpThreadsGuard() { omp_set_num_threads(before); }
};

// A metrics.csv (`path`, or the one in the run directory `path`) without its wall-clock columns
// tokens_per_s and elapsed_s, as text (so that a failed comparison shows both tables).
inline std::string metrics_without_timing(const std::filesystem::path& path) {
    std::ifstream in(std::filesystem::is_directory(path) ? path / "metrics.csv" : path);
    std::string text, line;
    while (std::getline(in, line)) {
        size_t cut = 0;
        for (int commas = 0; commas < 5 && cut != std::string::npos; commas++) cut = line.find(',', cut + 1);
        text += line.substr(0, cut) + "\n";
    }
    return text;
}

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The message of the glulab::Error that f throws ("" if it throws none).
template <class F>
std::string error_message(F f) {
    try {
        f();
    } catch (const glulab::Error& e) {
        return e.what();
    }
    return "";
}

// A path quoted for /bin/sh.
inline std::string quoted(const std::filesystem::path& path) {
    std::string q = "'";
    for (char c : path.string()) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

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

// Contents and modification times of every file in a directory: equal snapshots taken before
// and after a command show that it left the directory alone. run.lock is left out: it is the
// run directory's lock (run_lock.hpp) and holds the pid of the last process that used it.
struct DirSnapshot {
    std::map<std::string, std::string> contents;
    std::map<std::string, std::filesystem::file_time_type> mtimes;
    explicit DirSnapshot(const std::filesystem::path& dir) {
        for (const std::filesystem::directory_entry& e : std::filesystem::directory_iterator(dir)) {
            if (e.path().filename() == "run.lock") continue;
            contents[e.path().filename().string()] = glulab::read_text_file(e.path().string());
            mtimes[e.path().filename().string()] = e.last_write_time();
        }
    }
    bool operator==(const DirSnapshot&) const = default;
};

// JSON, as text
// -------------
// For the tests that read or alter the JSON glulab wrote. nlohmann-json is compiled in
// test_util.cpp alone: it costs a file 8 to 10 seconds of CPU to compile (docs/build.md).
// `key` is a key of the top object, or keys joined by '.' ("model.ctx"; "0" is an array's
// first entry); "" is the whole text. Values go in and come out as JSON text: "5", "\"swigloo\"".
std::string json_at(const std::string& json, const std::string& key);    // "" when absent
// "object", "array", "string", "number", "boolean", "null"; "absent"; "discarded": not JSON.
std::string json_type(const std::string& json, const std::string& key = "");
size_t json_size(const std::string& json, const std::string& key = "");  // entries of an object or array
std::string json_with(const std::string& json, const std::string& key, const std::string& value);
std::string json_without(const std::string& json, const std::string& key);

}  // namespace glulab_test
