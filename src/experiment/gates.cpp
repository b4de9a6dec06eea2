// gates.cpp — gate telemetry for the GLU family (see gates.hpp).
//
// Lesson 13 · the FFN ablation
#include "glulab/experiment/gates.hpp"

#include "glulab/data.hpp"
#include "glulab/ops.hpp"
#include "glulab/platform/dist.hpp"

#include <cmath>
#include <filesystem>
#include <memory>
#include <sstream>

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

std::string GateStats::csv_header() {
    std::string h = "step,layer,near_zero,mean";
    for (int b = 0; b < GateLayerStats::kBins; b++) h += fmt::format(",bin{}", b);
    return h + "\n";
}

std::string GateStats::csv_rows(int step) const {
    std::string out;
    for (size_t l = 0; l < layers_.size(); l++) {
        const GateLayerStats& s = layers_[l];
        const double n = s.count > 0 ? s.count : 1;
        out += fmt::format("{},{},{:.5f},{:.5f}", step, l, s.near_zero / n, s.sum / n);
        for (double b : s.bins) out += fmt::format(",{:.5f}", b / n);
        out += "\n";
    }
    return out;
}

namespace {

// gates.csv of one run, kept in memory and written after every evaluation.
struct GateTelemetry {
    std::filesystem::path path;
    GateStats stats;
    bool gated = false;
    std::string csv;  // header and rows; empty until the first evaluation of this session
};

// The header and the rows of `csv` (first column: step) before `step`.
std::string rows_before(const std::string& csv, int step) {
    std::istringstream in(csv);
    std::string line, kept;
    std::getline(in, line);
    kept = line + "\n";
    while (std::getline(in, line))
        if (!line.empty() && std::stoi(line) < step) kept += line + "\n";
    return kept;
}

}  // namespace

TrainCallbacks with_gate_telemetry(const std::string& dir, TrainCallbacks cb) {
    auto t = std::make_shared<GateTelemetry>();
    t->path = std::filesystem::path(dir) / "gates.csv";
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
            if (t->csv.empty())  // a resumed run: keep the rows of the evaluations before this one
                t->csv = rows_before(std::filesystem::exists(t->path) ? read_text_file(t->path.string())
                                                                      : GateStats::csv_header(),
                                     r.step);
            t->csv += t->stats.csv_rows(r.step);
            write_text_file(t->path, t->csv);
        }
        if (t->gated) t->stats.reset();
        if (next) next(r);
    };
    return cb;
}

}  // namespace glulab
