// exercise.hpp — lesson 13's exercise: summarise paired runs and decide whether two FFN kinds
// differ beyond the seed spread.
//
// Lesson 13 · the FFN ablation
#pragma once

#include "glulab/ops/ops.hpp"

#include <span>

namespace lesson13 {

// Spread
// ------
// One number (a final validation loss, say) over n seeds:
//     mean = (1/n) sum_i x_i
//     std  = sqrt( sum_i (x_i - mean)^2 / (n - 1) )     the SAMPLE standard deviation
// std is 0 when n < 2 (one run has no spread); mean is 0 when n = 0.
struct Spread {
    double mean = 0;
    double std = 0;
    int n = 0;
};
Spread spread_of(std::span<const double> values);

// PairedComparison
// ----------------
// a[i] and b[i] are two kinds trained with the same seed i (same batches, same validation
// windows). Their summary and two verdicts:
//     a, b     the spread of each kind over its seeds
//     diff     the spread of the paired differences d_i = a[i] - b[i]
//     differ_unpaired = n >= 2 and |mean_a - mean_b| > max(std_a, std_b)
//     differ_paired   = n >= 2 and |mean_d| > std_d
// a and b must have the same length (GLULAB_CHECK: throws glulab::Error otherwise).
struct PairedComparison {
    Spread a, b, diff;
    bool differ_unpaired = false;
    bool differ_paired = false;
};
PairedComparison compare_paired(std::span<const double> a, std::span<const double> b);

// Exercise 6: the fraction of "closed" gates, |act(g)| < 0.1 (gates.hpp's kNearZero), when the
// gate pre-activations are normal, g ~ N(0, sigma^2). Work out for which g a gate is closed
// (for silu and gelu that is not only near 0), then integrate the normal density over it.
double closed_fraction(glulab::Act act, double sigma);

// Exercise 7: the learning-rate sensitivity of one kind (Wortsman et al. 2023), from the mean
// final validation loss at each rate of a sweep (the results page's table):
//     sensitivity = (1/R) sum_r min(loss_r, loss_init) - min_r loss_r
// A diverged rate is given as NaN and counts as loss_init, the loss of the untrained model
// (ln V). The minimum is over the rates that did not diverge; every rate diverged: 0.
double lr_sensitivity(std::span<const double> loss_at_rate, double loss_init);

}  // namespace lesson13
