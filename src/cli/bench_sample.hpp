// bench_sample.hpp — the sampling benchmark of `glulab bench --sample` (bench_sample.cpp).
//
// Lesson 14 · making it fast
#pragma once

#include "glulab/nn/model.hpp"

#include <cstdint>

namespace glulab {

struct SampleBenchOptions {
    int tokens = 1000;     // characters per path and round, e.g. 1000
    int rounds = 3;        // rounds of the four paths; the median is printed, e.g. 3
    uint64_t seed = 1337;  // the weights and the draws, e.g. 1337
    bool json = false;     // one JSON object instead of the table
    int threads = 0;       // --threads: 0 measures, as `glulab sample` does (choose_sample_threads)
    int samples = 8;       // --num-samples: texts of path (d), drawn in one pass, e.g. 8
};

// Times the cached sampler, the --no-cache one, the full-window recompute per character and
// `samples` texts in one pass on a model of `cfg` with random weights, and prints chars/s of
// each and the ratios a/c, a/b and d/a.
void bench_sampling(const ModelConfig& cfg, const SampleBenchOptions& options);

}  // namespace glulab
