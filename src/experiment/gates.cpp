// gates.cpp — gate telemetry for the GLU family (see gates.hpp).
//
// Lesson 13 · the FFN ablation
#include "glulab/gates.hpp"

#include "glulab/ops.hpp"

#include <cmath>

namespace glulab {

void GateStats::reset() {
    for (GateLayerStats& s : layers_) s = GateLayerStats{};
}

void GateStats::observe(const Transformer& model) {
    const Act act = ffn_activation(model.config().ffn);
    for (size_t l = 0; l < layers_.size(); l++) {
        Tensor pre = model.gate_preactivation(static_cast<int>(l));  // (B, T, H)
        values_.resize(static_cast<size_t>(pre.numel()));            // grows once, then reused
        activation_forward(values_.data(), pre.data, pre.numel(), act);
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

}  // namespace glulab
