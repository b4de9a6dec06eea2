// activations.hpp — how heavy the tails of a block's activations are, measured as it trains.
//
// A gated FFN multiplies two learned projections, act(gate) * up, so its hidden values grow
// like a product: an input large in both gives a very large hidden value. Such outliers are what
// breaks low-precision inference (int8 has 255 levels for the whole range, so one value k times
// the typical one makes every other value's rounding error k times larger, lesson 16). This
// telemetry lets a learner see whether the gated kinds here carry heavier tails, and whether the
// outliers sit on fixed channels. Per block, at three sites:
//   ffn_input   the FFN's input, the norm's output            (B, T, C)
//   hidden      act(x Wup^T) plain, act(gate) * up gated       (B, T, H)
//   residual    the residual stream after the block            (B, T, C)
// over the validation batches of each evaluation:
//   kurtosis          excess kurtosis m4 / m2^2 - 3 (central moments; 0 for a Gaussian)
//   max_over_median   max |x| / median |x|, the median over the values that are not exactly 0
//                     (ReLU's hidden vector is mostly zeros), from a histogram of |x| with
//                     kBinsPerOctave equal bins per octave: within 1/32 = 3.1% of the true one
//   max_abs, max_channel   the largest |x| and its channel (the last index)
//
// with_activation_telemetry hooks it into a run: activations.csv, one row per evaluation, layer
// and site (run_dir.hpp). `glulab plot` draws it; compare's runs.csv gives each run's last value.
//
// Lesson 16 · outliers and quantization
#pragma once

#include "glulab/nn/model.hpp"
#include "glulab/train/run_dir.hpp"
#include "glulab/train/trainer.hpp"

#include <array>
#include <string>
#include <vector>

namespace glulab {

// The moments, the maximum and the |x| histogram of one site of one layer.
struct ActivationSiteStats {
    static constexpr int kBinsPerOctave = 16;
    static constexpr int kMinOctave = -40, kMaxOctave = 24;  // |x| in [2^-40, 2^24): wider clamps
    static constexpr int kBins = (kMaxOctave - kMinOctave) * kBinsPerOctave;
    double n = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0;  // count and sums of x, x^2, x^3, x^4
    double nonzero = 0;                            // values not exactly 0 (the histogram's)
    double max_abs = 0;
    int max_channel = 0;
    std::array<double, kBins> hist{};  // counts of |x| per bin (activations.cpp → add), zeros left out

    void add(const float* x, int64_t rows, int cols);
    double kurtosis() const;
    double median_abs() const;  // of the nonzero values, from the histogram: its bin's middle
};

class ActivationStats {
public:
    explicit ActivationStats(int layers = 0) : sites_(static_cast<size_t>(layers) * kActSites) {}
    void reset();
    void observe(const Transformer& model);  // every layer's three sites of the last forward
    void combine_over_ranks();               // under mpirun: sums and maxima over every rank
    std::vector<ActivationRow> rows(int step) const;

private:
    std::vector<ActivationSiteStats> sites_;  // (L, 3)
};

// `callbacks` with activations.csv of a run into `dir` added.
TrainCallbacks with_activation_telemetry(const std::string& dir, TrainCallbacks callbacks = {});

}  // namespace glulab
