// Lesson 13 · exercise: mean ± std over seeds, and a verdict on two FFN kinds.
//
// Write the two functions declared in exercise.hpp:
//   spread_of       mean and SAMPLE standard deviation (divide by n - 1; 0 when n < 2)
//   compare_paired  check the lengths match (GLULAB_CHECK), then fill a, b, the paired
//                   differences d_i = a[i] - b[i], and the two verdicts
//                       differ_unpaired = n >= 2 and |mean_a - mean_b| > max(std_a, std_b)
//                       differ_paired   = n >= 2 and |mean_d| > std_d
// Check it with:  make exercise LESSON=13
#include "exercise.hpp"

#include "glulab/platform/check.hpp"
#include "glulab/ops/ops.hpp"

namespace lesson13 {

Spread spread_of(std::span<const double> values) {
    // TODO: your code here.
    (void)values;
    return {};
}

PairedComparison compare_paired(std::span<const double> a, std::span<const double> b) {
    // TODO: your code here.
    (void)a;
    (void)b;
    return {};
}

// Exercise 6: find the set {g : |act(g)| < 0.1} for each activation (sketch act first; find the
// roots of act(g) = 0.1 and act(g) = -0.1, e.g. by bisection), then sum the normal probability
// of its intervals with Phi(z) = 0.5 (1 + erf(z / sqrt 2)).
double closed_fraction(glulab::Act act, double sigma) {
    // TODO: your code here.
    (void)act;
    (void)sigma;
    return -1.0;
}

// Exercise 7: the mean over the rates of min(loss, loss_init), a NaN (diverged) counting as
// loss_init, minus the best loss. Check it by hand first on the page's relu row.
double lr_sensitivity(std::span<const double> loss_at_rate, double loss_init) {
    // TODO: your code here.
    (void)loss_at_rate;
    (void)loss_init;
    return -1.0;
}

}  // namespace lesson13
