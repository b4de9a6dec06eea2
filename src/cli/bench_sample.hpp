// bench_sample.hpp — the sampling benchmark of `glulab bench --sample` (bench_sample.cpp).
//
// Lesson 14 · making it fast
#pragma once

#include "glulab/nn/model.hpp"

#include <cstdint>

namespace glulab {

struct SampleBenchOptions {
    int tokens = 1000;     // characters per path and round, e.g. 1000
    int rounds = 3;        // rounds of the three paths; the median is printed, e.g. 3
    uint64_t seed = 1337;  // the weights and the draws, e.g. 1337
    bool json = false;     // one JSON object instead of the table
    int threads = 0;       // --threads: 0 measures, as `glulab sample` does (choose_sample_threads)
};

// Times the cached sampler, the --no-cache one and the full-window recompute per character on
// a model of `cfg` with random weights, and prints chars/s of each and the ratios a/c and a/b.
void bench_sampling(const ModelConfig& cfg, const SampleBenchOptions& options);

}  // namespace glulab
