// stability.cpp — stability telemetry: loss spikes, attention logits, the head's log Z
// (stability.hpp).
//
// Lesson 13 · the FFN ablation
#include "glulab/experiment/stability.hpp"

#include "glulab/experiment/activations.hpp"
#include "glulab/experiment/gates.hpp"
#include "glulab/ops/ops.hpp"
#include "glulab/platform/dist.hpp"
#include "telemetry.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

namespace glulab {

// Loss spikes
// -----------
// ema_s = loss_1 for s = 1, else (1 - a) ema_{s-1} + a loss_s   (a = kSpikeSmoothing)
// step s > warmup is a spike when loss_s > kSpikeFactor * min over warmup < t < s of ema_t.
std::vector<int> loss_spike_steps(std::span<const StepRow> steps, int warmup) {
    std::vector<int> spikes;
    double ema = 0, floor = 0;
    bool have_floor = false;
    for (size_t i = 0; i < steps.size(); i++) {
        const StepRow& r = steps[i];
        if (r.step > warmup && have_floor && r.loss > kSpikeFactor * floor) spikes.push_back(r.step);
        ema = i == 0 ? r.loss : (1 - kSpikeSmoothing) * ema + kSpikeSmoothing * r.loss;
        if (r.step > warmup) {
            floor = have_floor ? std::min(floor, ema) : ema;
            have_floor = true;
        }
    }
    return spikes;
}

// StabilityStats
// --------------

void StabilityStats::reset() {
    std::fill(attn_max_.begin(), attn_max_.end(), 0.0);
    logit_max_ = log_z_sum_ = log_z_max_ = positions_ = 0;
}

// Per layer and head h, the scores S = q_h k_h^T / sqrt(HS) (T, T) of each sequence: one gemm
// reading q and k in place inside qkv (row stride 3C), then the largest |S_ij| over j <= i (the
// pairs the causal mask keeps). Per position of the logits (V): max |logit_v| and
// log Z = m + log sum_v exp(logit_v - m), m = max_v logit_v.
void StabilityStats::observe(const Transformer& model) {
    const ModelConfig& cfg = model.config();
    const int C = cfg.d_model, NH = cfg.heads, HS = C / NH;
    const float scale = 1.0f / std::sqrt(static_cast<float>(HS));
    for (size_t l = 0; l < attn_max_.size(); l++) {
        const Tensor qkv = model.attention_qkv(static_cast<int>(l));  // (B, T, 3C)
        const int B = qkv.shape[0], T = qkv.shape[1];
        scores_.resize(static_cast<size_t>(T) * static_cast<size_t>(T));  // grows once
        for (int b = 0; b < B; b++)
            for (int h = 0; h < NH; h++) {
                const float* q = qkv.data + static_cast<int64_t>(b) * T * 3 * C + h * HS;
                gemm(false, true, T, T, HS, scale, q, 3 * C, q + C, 3 * C, 0.0f, scores_.data(), T);
                double mx = attn_max_[l];
                for (int i = 0; i < T; i++)
                    for (int j = 0; j <= i; j++)
                        mx = std::max(mx, static_cast<double>(std::fabs(scores_[static_cast<size_t>(i * T + j)])));
                attn_max_[l] = mx;
            }
    }
    const Tensor logits = model.last_logits();  // (B, T, V)
    const int V = logits.cols();
    for (int64_t r = 0; r < logits.rows(); r++) {
        const float* x = logits.data + r * V;
        const float m = row_max(x, V);
        double z = 0, absmax = 0;
        for (int v = 0; v < V; v++) {
            z += std::exp(static_cast<double>(x[v] - m));
            absmax = std::max(absmax, static_cast<double>(std::fabs(x[v])));
        }
        const double log_z = m + std::log(z);
        logit_max_ = std::max(logit_max_, absmax);
        log_z_max_ = positions_ == 0 ? log_z : std::max(log_z_max_, log_z);
        log_z_sum_ += log_z;
        positions_ += 1;
    }
}

void StabilityStats::combine_over_ranks() {
    if (dist_size() == 1) return;
    std::vector<double> maxima = attn_max_;
    maxima.insert(maxima.end(), {logit_max_, log_z_max_});
    dist_allreduce_max(maxima.data(), maxima.size());
    std::copy(maxima.begin(), maxima.begin() + static_cast<std::ptrdiff_t>(attn_max_.size()), attn_max_.begin());
    logit_max_ = maxima[maxima.size() - 2];
    log_z_max_ = maxima[maxima.size() - 1];
    double sums[2] = {log_z_sum_, positions_};
    dist_allreduce_sum(sums, 2);
    log_z_sum_ = sums[0];
    positions_ = sums[1];
}

std::vector<StabilityRow> StabilityStats::rows(int step, int loss_spikes) const {
    std::vector<StabilityRow> out;
    const double log_z_mean = positions_ > 0 ? log_z_sum_ / positions_ : 0;
    for (size_t l = 0; l < attn_max_.size(); l++)
        out.push_back({.step = step, .layer = static_cast<int>(l), .attn_logit_max = attn_max_[l],
                       .logit_max = logit_max_, .log_z_mean = log_z_mean, .log_z_max = log_z_max_,
                       .loss_spikes = loss_spikes});
    return out;
}

// with_stability_telemetry
// ------------------------

namespace {

// steps.csv and stability.csv of one run, kept in memory.
struct StabilityTelemetry {
    StabilityStats stats;
    int warmup = 0;
    std::vector<StepRow> steps;      // every step's, in order (steps.csv, written at each save)
    RunFileRows<StabilityRow> rows;  // stability.csv
};

}  // namespace

TrainCallbacks with_stability_telemetry(const std::string& dir, TrainCallbacks cb) {
    auto t = std::make_shared<StabilityTelemetry>();
    t->rows = {.dir = dir, .read = read_run_stability, .write = write_stability};
    cb.on_start = chained([t](const Transformer& model) { t->stats = StabilityStats(model.config().layers); },
                          cb.on_start);
    // On the first step of this session (a fresh run, or a resume from step r.step - 1): the
    // run's warmup, and the rows up to the checkpoint this session starts from. config.json
    // exists by now on every rank: rank 0 wrote it before the first step's collectives.
    cb.on_step = chained(
        [t](const StepReport& r) {
            if (!t->rows.started) {
                t->warmup = load_train_config(t->rows.dir).optim.warmup;
                t->steps = rows_up_to(read_run_steps(t->rows.dir), r.step - 1);
                t->rows.start(r.step);
            }
            // A step whose gradient norm is not finite is the start of a divergence (the next
            // loss will not be finite either): it has no row, as files hold finite numbers only.
            if (std::isfinite(r.loss) && std::isfinite(r.grad_norm))
                t->steps.push_back(as_written(StepRow{r.step, r.loss, r.lr, r.grad_norm}));
        },
        cb.on_step);
    cb.on_val_forward = chained([t](const Transformer& model) { t->stats.observe(model); }, cb.on_val_forward);
    cb.on_eval = chained(
        [t](const EvalReport& r) {
            t->stats.combine_over_ranks();  // under mpirun each rank saw its rows
            const int spikes = static_cast<int>(loss_spike_steps(t->steps, t->warmup).size());
            t->rows.add(r.step, t->stats.rows(r.step, spikes));
            t->stats.reset();
        },
        cb.on_eval);
    cb.on_save = chained(
        [t](int step) {
            if (t->rows.started && dist_rank() == 0) write_steps(t->rows.dir, rows_up_to(t->steps, step));
        },
        cb.on_save);
    return cb;
}

TrainCallbacks with_run_telemetry(const std::string& dir, TrainCallbacks callbacks) {
    return with_gate_telemetry(dir, with_stability_telemetry(dir, with_activation_telemetry(dir, std::move(callbacks))));
}

}  // namespace glulab
