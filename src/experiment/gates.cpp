// gates.cpp — gate telemetry for the GLU family (see gates.hpp).
//
// Lesson 13 · the FFN ablation
#include "glulab/experiment/gates.hpp"

#include "glulab/ops/ops.hpp"
#include "glulab/platform/dist.hpp"

#include <cmath>
#include <memory>

namespace glulab {

void GateStats::reset() {
    for (GateLayerStats& s : layers_) s = GateLayerStats{};
}

void GateStats::observe(const Transformer& model) {
    const Act act = ffn_activation(model.config().ffn);
    for (size_t l = 0; l < layers_.size(); l++) {
        Tensor up_gate = model.ffn_up_gate(static_cast<int>(l));  // (B, T, 2H): rows [up | gate]
        const int H = up_gate.cols() / 2;
        values_.resize(static_cast<size_t>(up_gate.numel() / 2));  // grows once, then reused
        for (int64_t r = 0; r < up_gate.rows(); r++)  // act of each row's gate half
            activation_forward(values_.data() + r * H, up_gate.data + r * 2 * H + H, H, act);
        GateLayerStats& s = layers_[l];
        for (const float a : values_) {
            int bin = static_cast<int>(std::floor((a - GateLayerStats::kLo) /
                                                  (GateLayerStats::kHi - GateLayerStats::kLo) *
                                                  GateLayerStats::kBins));
            bin = bin < 0 ? 0 : (bin >= GateLayerStats::kBins ? GateLayerStats::kBins - 1 : bin);
            s.bins[static_cast<size_t>(bin)] += 1;
            s.near_zero += std::fabs(a) < GateLayerStats::kNearZero;
            s.sum += a;
            s.count += 1;
        }
    }
}

void GateStats::sum_over_ranks() {
    if (dist_size() == 1) return;
    std::vector<double> flat;
    for (const GateLayerStats& s : layers_) {
        flat.insert(flat.end(), {s.count, s.near_zero, s.sum});
        flat.insert(flat.end(), s.bins.begin(), s.bins.end());
    }
    dist_allreduce_sum(flat.data(), flat.size());
    const double* x = flat.data();
    for (GateLayerStats& s : layers_) {
        s.count = *x++;
        s.near_zero = *x++;
        s.sum = *x++;
        for (double& b : s.bins) b = *x++;
    }
}

std::vector<GateRow> GateStats::rows(int step) const {
    std::vector<GateRow> out;
    for (size_t l = 0; l < layers_.size(); l++) {
        const GateLayerStats& s = layers_[l];
        const double n = s.count > 0 ? s.count : 1;
        GateRow r{.step = step, .layer = static_cast<int>(l), .near_zero = s.near_zero / n, .mean = s.sum / n};
        for (size_t b = 0; b < s.bins.size(); b++) r.bins[b] = s.bins[b] / n;
        out.push_back(r);
    }
    return out;
}

namespace {

// gates.csv of one run, kept in memory and written after every evaluation.
struct GateTelemetry {
    std::string dir;
    GateStats stats;
    bool gated = false;
    bool started = false;       // this session has read back the rows of the sessions before
    std::vector<GateRow> rows;  // every evaluation's, in order
};

}  // namespace

TrainCallbacks with_gate_telemetry(const std::string& dir, TrainCallbacks cb) {
    auto t = std::make_shared<GateTelemetry>();
    t->dir = dir;
    cb.on_start = [t, next = cb.on_start](const Transformer& model) {
        t->gated = is_gated(model.config().ffn);
        t->stats = GateStats(t->gated ? model.config().layers : 0);
        if (next) next(model);
    };
    cb.on_val_forward = [t, next = cb.on_val_forward](const Transformer& model) {
        if (t->gated) t->stats.observe(model);
        if (next) next(model);
    };
    cb.on_eval = [t, next = cb.on_eval](const EvalReport& r) {
        if (t->gated) t->stats.sum_over_ranks();  // under mpirun each rank saw its rows
        if (t->gated && dist_rank() == 0) {         // only rank 0 writes the run directory
            if (!t->started)  // a resumed run: keep the rows of the evaluations before this one
                t->rows = rows_up_to(read_run_gates(t->dir), r.step - 1);
            t->started = true;
            const std::vector<GateRow> now = t->stats.rows(r.step);
            t->rows.insert(t->rows.end(), now.begin(), now.end());
            write_gates(t->dir, t->rows);
        }
        if (t->gated) t->stats.reset();
        if (next) next(r);
    };
    return cb;
}

}  // namespace glulab
