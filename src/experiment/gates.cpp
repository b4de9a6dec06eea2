// gates.cpp — gate telemetry for the GLU family (see gates.hpp).
//
// Lesson 13 · the FFN ablation
#include "glulab/experiment/gates.hpp"

#include "glulab/ops/ops.hpp"
#include "glulab/platform/dist.hpp"
#include "telemetry.hpp"

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

struct GateTelemetry {
    GateStats stats;
    bool gated = false;         // plain kinds have no gates, and no gates.csv
    RunFileRows<GateRow> rows;  // gates.csv
};

}  // namespace

TrainCallbacks with_gate_telemetry(const std::string& dir, TrainCallbacks cb) {
    auto t = std::make_shared<GateTelemetry>();
    t->rows = {.dir = dir, .read = read_run_gates, .write = write_gates};
    cb.on_start = chained(
        [t](const Transformer& model) {
            t->gated = is_gated(model.config().ffn);
            t->stats = GateStats(t->gated ? model.config().layers : 0);
        },
        cb.on_start);
    cb.on_val_forward = chained(
        [t](const Transformer& model) {
            if (t->gated) t->stats.observe(model);
        },
        cb.on_val_forward);
    cb.on_eval = chained(
        [t](const EvalReport& r) {
            if (!t->gated) return;
            t->stats.sum_over_ranks();  // under mpirun each rank saw its rows
            t->rows.add(r.step, t->stats.rows(r.step));
            t->stats.reset();
        },
        cb.on_eval);
    return cb;
}

}  // namespace glulab
