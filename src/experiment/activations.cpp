// activations.cpp — activation telemetry: tails and outliers of each block (activations.hpp).
//
// Lesson 16 · outliers and quantization
#include "glulab/experiment/activations.hpp"

#include "glulab/platform/dist.hpp"
#include "telemetry.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>

namespace glulab {

// ActivationSiteStats
// -------------------

// The histogram bin of |x| comes from its float bits: the exponent picks the octave, the top
// four bits of the mantissa one of 16 equal parts of it (a value in [2^e (1 + k/16),
// 2^e (1 + (k+1)/16)) goes to bin (e - kMinOctave) 16 + k). No logarithm per value.
void ActivationSiteStats::add(const float* x, int64_t rows, int cols) {
    for (int64_t r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            const float f = std::fabs(x[r * cols + c]);
            const double v = x[r * cols + c], v2 = v * v;
            s1 += v;
            s2 += v2;
            s3 += v2 * v;
            s4 += v2 * v2;
            if (f > max_abs) {
                max_abs = f;
                max_channel = c;
            }
            if (f == 0) continue;  // not in the histogram: ReLU's hidden vector is mostly zeros
            uint32_t bits;
            std::memcpy(&bits, &f, sizeof bits);
            const int octave = static_cast<int>(bits >> 23) - 127, part = static_cast<int>((bits >> 19) & 15);
            const int bin = std::clamp((octave - kMinOctave) * kBinsPerOctave + part, 0, kBins - 1);
            hist[static_cast<size_t>(bin)] += 1;
            nonzero += 1;
        }
    n += static_cast<double>(rows) * cols;
}

// From the raw sums: mean u = s1/n, and the central moments
//     m2 = s2/n - u^2,   m4 = s4/n - 4 u s3/n + 6 u^2 s2/n - 3 u^4,
// so the kurtosis needs one pass over the values, and sums from several batches (or ranks) add.
double ActivationSiteStats::kurtosis() const {
    if (n == 0) return 0;
    const double u = s1 / n, m2 = s2 / n - u * u;
    const double m4 = s4 / n - 4 * u * s3 / n + 6 * u * u * s2 / n - 3 * u * u * u * u;
    return m2 > 0 ? m4 / (m2 * m2) - 3 : 0;
}

double ActivationSiteStats::median_abs() const {
    double seen = 0;
    for (int b = 0; b < kBins; b++) {
        seen += hist[static_cast<size_t>(b)];
        if (seen >= nonzero / 2 && nonzero > 0)  // the middle of the bin's part of its octave
            return std::ldexp(1.0 + (b % kBinsPerOctave + 0.5) / kBinsPerOctave, kMinOctave + b / kBinsPerOctave);
    }
    return 0;
}

// ActivationStats
// ---------------

void ActivationStats::reset() {
    for (ActivationSiteStats& s : sites_) s = ActivationSiteStats{};
}

void ActivationStats::observe(const Transformer& model) {
    for (size_t l = 0; l < sites_.size() / kActSites; l++) {
        const Transformer::BlockTaps taps = model.block_taps(static_cast<int>(l));
        const Tensor* at[kActSites] = {&taps.ffn_input, &taps.hidden, &taps.residual};  // ActSite's order
        for (int s = 0; s < kActSites; s++)
            sites_[l * kActSites + static_cast<size_t>(s)].add(at[s]->data, at[s]->rows(), at[s]->cols());
    }
}

// Sums add over ranks, maxima take the largest; the channel is the one of the rank whose
// maximum is the largest (a second round: each rank offers its channel if it holds the maximum).
void ActivationStats::combine_over_ranks() {
    if (dist_size() == 1) return;
    std::vector<double> sums, maxima, channels;
    for (const ActivationSiteStats& s : sites_) {
        sums.insert(sums.end(), {s.n, s.nonzero, s.s1, s.s2, s.s3, s.s4});
        sums.insert(sums.end(), s.hist.begin(), s.hist.end());
        maxima.push_back(s.max_abs);
    }
    dist_allreduce_sum(sums.data(), sums.size());
    std::vector<double> mine = maxima;
    dist_allreduce_max(maxima.data(), maxima.size());
    for (size_t i = 0; i < sites_.size(); i++)
        channels.push_back(mine[i] == maxima[i] ? sites_[i].max_channel : -1);
    dist_allreduce_max(channels.data(), channels.size());
    const double* x = sums.data();
    for (size_t i = 0; i < sites_.size(); i++) {
        ActivationSiteStats& s = sites_[i];
        s.n = *x++, s.nonzero = *x++, s.s1 = *x++, s.s2 = *x++, s.s3 = *x++, s.s4 = *x++;
        for (double& h : s.hist) h = *x++;
        s.max_abs = maxima[i];
        s.max_channel = static_cast<int>(channels[i]);
    }
}

std::vector<ActivationRow> ActivationStats::rows(int step) const {
    std::vector<ActivationRow> out;
    for (size_t i = 0; i < sites_.size(); i++) {
        const ActivationSiteStats& s = sites_[i];
        const double median = s.median_abs();
        out.push_back({.step = step, .layer = static_cast<int>(i / kActSites), .site = static_cast<int>(i % kActSites),
                       .kurtosis = s.kurtosis(), .max_over_median = median > 0 ? s.max_abs / median : 0,
                       .max_abs = s.max_abs, .max_channel = s.max_channel});
    }
    return out;
}

// with_activation_telemetry
// -------------------------

namespace {
struct ActivationTelemetry {
    ActivationStats stats;
    RunFileRows<ActivationRow> rows;  // activations.csv
};
}  // namespace

TrainCallbacks with_activation_telemetry(const std::string& dir, TrainCallbacks cb) {
    auto t = std::make_shared<ActivationTelemetry>();
    t->rows = {.dir = dir, .read = read_run_activations, .write = write_activations};
    cb.on_start = chained([t](const Transformer& model) { t->stats = ActivationStats(model.config().layers); },
                          cb.on_start);
    cb.on_val_forward = chained([t](const Transformer& model) { t->stats.observe(model); }, cb.on_val_forward);
    cb.on_eval = chained(
        [t](const EvalReport& r) {
            t->stats.combine_over_ranks();  // under mpirun each rank saw its rows
            t->rows.add(r.step, t->stats.rows(r.step));
            t->stats.reset();
        },
        cb.on_eval);
    return cb;
}

}  // namespace glulab
