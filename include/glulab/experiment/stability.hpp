// stability.hpp — the numbers that move before a training run goes wrong, measured as it trains.
//
// A learner comparing FFN kinds at several learning rates asks whether a kind is less stable,
// not only whether it ends lower. Four quantities answer that, each per evaluation:
//   attn_logit_max   per layer, the largest |q.k| / sqrt(HS) over heads and causal pairs of the
//                    validation batches: the quantity that grows before attention collapses onto
//                    one key (its softmax saturates and its gradient vanishes)
//   logit_max        the largest |logit| of the output head
//   log_z            log sum_v exp(logit_v), the softmax's log-partition, per position: its mean
//                    and its largest value (it drifts when the head's logits grow as a whole)
//   loss_spikes      how many training steps so far were spikes (below), from steps.csv
// and the gradient norm before clipping, already in metrics.csv and, per step, in steps.csv.
//
// A loss spike: a step after the warmup whose training loss exceeds kSpikeFactor (1.1) times
// the running minimum of the smoothed loss (an exponential moving average with weight
// kSpikeSmoothing, 0.02: about the last 50 steps). The minimum is taken on the smoothed curve
// because one lucky batch would otherwise set a floor that ordinary batch-to-batch noise then
// exceeds. A hard batch is a spike too: with one seed every kind sees the same batches, so a
// spike that every kind (and every rate) shows at the same step is the data, not an
// instability. In the first sweep's runs (seed 1337, 2,000 steps) each run counted 2 to 5,
// nearly all at steps 1411, 1504, 1796 and 1962, whatever the kind and rate: compare the steps
// (steps.csv) across kinds before reading a count as instability.
//
// with_stability_telemetry hooks this into a run (train_run's callbacks): steps.csv gets every
// step's loss, rate and gradient norm (written whenever the run saves its state, so a resume
// continues it exactly; a step of a diverging run whose norm is not finite has no row),
// stability.csv one row per evaluation and layer (run_dir.hpp).
// with_run_telemetry adds it and the gate telemetry (gates.hpp): what `glulab train` and
// `glulab compare` use. `glulab plot` draws both files.
//
// Lesson 13 · the FFN ablation
#pragma once

#include "glulab/nn/model.hpp"
#include "glulab/train/run_dir.hpp"
#include "glulab/train/trainer.hpp"

#include <span>
#include <string>
#include <vector>

namespace glulab {

inline constexpr double kSpikeFactor = 1.1;
inline constexpr double kSpikeSmoothing = 0.02;

// The steps of `steps` (in order, 1-based) that are loss spikes by the rule above, for a run
// whose warmup is `warmup` steps.
std::vector<int> loss_spike_steps(std::span<const StepRow> steps, int warmup);

class StabilityStats {
public:
    explicit StabilityStats(int layers = 0) : attn_max_(static_cast<size_t>(layers), 0.0) {}
    void reset();
    // Read the last forward's q, k of every layer and its logits (model.hpp → attention_qkv,
    // last_logits).
    void observe(const Transformer& model);
    // Under mpirun: the maxima and sums over every rank's rows.
    void combine_over_ranks();
    // This evaluation's rows of stability.csv, one per layer.
    std::vector<StabilityRow> rows(int step, int loss_spikes) const;

private:
    std::vector<double> attn_max_;       // (L)
    double logit_max_ = 0, log_z_sum_ = 0, log_z_max_ = 0, positions_ = 0;
    std::vector<float> scores_;          // (T, T) of one head, reused
};

// `callbacks` with steps.csv and stability.csv of a run into `dir` added (see the top).
TrainCallbacks with_stability_telemetry(const std::string& dir, TrainCallbacks callbacks = {});
// Gate, stability and activation telemetry together: what every glulab run writes.
TrainCallbacks with_run_telemetry(const std::string& dir, TrainCallbacks callbacks = {});

}  // namespace glulab
