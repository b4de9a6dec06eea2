// sweep.hpp — reading a learning-rate sweep: each kind's chosen rate, its test loss and its
// sensitivity to the rate.
//
// `glulab compare --lr 3e-4,1e-3,3e-3,1e-2 --test-split 0.05` trains every kind at every rate
// (compare.hpp); this file turns the per-rate summaries into the answer to "is it the FFN or the
// learning rate?": per kind, the rate chosen on the validation loss, the loss at that rate on
// the test split (which the choice never read), and how much the loss depends on the rate.
//
// Lesson 13 · the FFN ablation
#pragma once

#include "glulab/experiment/compare.hpp"

#include <string>
#include <vector>

namespace glulab {

// Learning-rate sweeps
// --------------------
// Per kind and warmup, over the swept rates: the rate with the lowest mean final validation
// loss (the selection), and the LR sensitivity of Wortsman et al. 2023 (arXiv:2309.14322),
//     sensitivity = mean over rates of min(loss(lr), loss_init) - min over rates of loss(lr),
// where loss(lr) is the mean final validation loss over seeds, a diverged seed counting as
// loss_init, the loss of the untrained model (ln V: its logits start near 0, so its prediction
// is near uniform). 0 means every rate reaches the best loss; large means a narrow basin.
struct LrChoice {
    FfnKind kind = FfnKind::relu;
    int warmup = 0;
    KindSummary best{};           // the group at the chosen rate (its test Stat is the report)
    double sensitivity = 0;       // nats
    int diverged = 0;             // runs of this kind and warmup that diverged, over every rate
    int runs = 0;                 // runs of this kind and warmup
};
std::vector<LrChoice> choose_learning_rates(const std::vector<KindSummary>& groups, double loss_init);
// kind,warmup,best_lr,seeds,val_mean,test_mean,test_std,test_min,test_max,sensitivity,diverged,runs
std::string sweep_csv(const std::vector<LrChoice>& choices);
// The loss at every rate (mean ± std, "div k/n" for diverged seeds), each kind's chosen rate,
// its test loss and its sensitivity, then the verdict on the test loss at the chosen rates.
std::string format_sweep_table(const std::vector<KindSummary>& groups, const std::vector<LrChoice>& choices);

}  // namespace glulab
