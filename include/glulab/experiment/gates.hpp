// gates.hpp — what the gate of a GLU feed-forward layer does, measured during training.
//
// In a gated FFN, out = down(act(gate(x)) * up(x)): each hidden unit's value is multiplied by
// a = act(gate(x)). Where a is near 0 the unit is shut for that token; where |a| is large it
// passes (and scales) up(x). GateStats collects, per layer, the distribution of a over every
// token and hidden unit of the validation batches:
//   near_zero   the fraction with |a| < 0.1 ("closed")
//   mean        the mean of a
//   histogram   fractions in kBins equal bins over [kLo, kHi) (values outside go to the end bins)
// with_gate_telemetry hooks GateStats into a run (train_run's on_val_forward and on_eval): one
// row per evaluation and layer in gates.csv; `glulab plot` draws it.
// docs/results.md says what to look for.
//
// Lesson 13 · the FFN ablation
#pragma once

#include "glulab/nn/model.hpp"
#include "glulab/train/run_dir.hpp"
#include "glulab/train/trainer.hpp"

#include <array>
#include <string>
#include <vector>

namespace glulab {

struct GateLayerStats {
    static constexpr int kBins = kGateBins;  // gates.csv's bins (run_dir.hpp)
    static constexpr float kLo = -1.0f, kHi = 3.0f;
    static constexpr float kNearZero = 0.1f;
    double count = 0, near_zero = 0, sum = 0;
    std::array<double, kBins> bins{};
};

class GateStats {
public:
    explicit GateStats(int layers = 0) : layers_(static_cast<size_t>(layers)) {}
    void reset();
    // Read act(gate(x)) of every layer from the model's last forward (gated kinds only).
    void observe(const Transformer& model);
    // Under mpirun: every rank's counts become the sum of all ranks' (each saw its rows).
    void sum_over_ranks();
    // This evaluation's rows of gates.csv, one per layer (fractions; run_dir.hpp writes them).
    std::vector<GateRow> rows(int step) const;

private:
    std::vector<GateLayerStats> layers_;
    std::vector<float> values_;  // act(gate) of one layer, (B, T, H)
};

// `callbacks` with the gate telemetry of a run into `dir` added: GateStats observes every
// validation forward of an evaluation, and after it the evaluation's rows go to dir/gates.csv
// (a resumed run first drops the rows from that step on). Plain FFN kinds write nothing.
//     train_run(cfg, dir, resume, force, with_gate_telemetry(dir, callbacks));
TrainCallbacks with_gate_telemetry(const std::string& dir, TrainCallbacks callbacks = {});

}  // namespace glulab
