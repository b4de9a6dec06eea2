// Lesson 13 · reference solution of the exercise (CI runs the lesson's tests against it).
#include "exercise.hpp"

#include "glulab/platform/check.hpp"

#include <algorithm>
#include <cmath>
#include <vector>
#include "glulab/experiment/gates.hpp"
#include "glulab/ops/ops.hpp"

namespace lesson13 {

Spread spread_of(std::span<const double> values) {
    Spread s;
    s.n = static_cast<int>(values.size());
    if (s.n == 0) return s;
    double sum = 0;
    for (double x : values) sum += x;
    s.mean = sum / s.n;
    if (s.n < 2) return s;
    double squares = 0;  // two passes: the mean first, then the squared deviations from it
    for (double x : values) squares += (x - s.mean) * (x - s.mean);
    s.std = std::sqrt(squares / (s.n - 1));
    return s;
}

PairedComparison compare_paired(std::span<const double> a, std::span<const double> b) {
    GLULAB_CHECK(a.size() == b.size(), "pair run i of one kind with run i of the other",
                 "compare_paired: {} runs against {}", a.size(), b.size());
    PairedComparison c;
    c.a = spread_of(a);
    c.b = spread_of(b);
    std::vector<double> d(a.size());
    for (size_t i = 0; i < a.size(); i++) d[i] = a[i] - b[i];
    c.diff = spread_of(d);
    const bool enough = c.diff.n >= 2;
    c.differ_unpaired = enough && std::fabs(c.a.mean - c.b.mean) > std::max(c.a.std, c.b.std);
    c.differ_paired = enough && std::fabs(c.diff.mean) > c.diff.std;
    return c;
}

namespace {
double act_at(glulab::Act act, double g) {
    const float x = static_cast<float>(g);
    float y = 0.0f;
    glulab::activation_forward(&y, &x, 1, act);
    return y;
}
double normal_cdf(double z) { return 0.5 * (1.0 + std::erf(z / std::sqrt(2.0))); }
}  // namespace

// The closed set is a union of intervals whose ends are roots of |act(g)| = 0.1. Scan g over
// [-12 sigma, 12 sigma] finely, locate every sign change of 0.1 - |act(g)| and refine it by
// bisection; then add Phi(b / sigma) - Phi(a / sigma) over the closed intervals [a, b]. For
// silu and gelu there are two: around 0, and the whole far negative side (act -> 0 from below).
double closed_fraction(glulab::Act act, double sigma) {
    auto closed = [&](double g) { return std::abs(act_at(act, g)) < glulab::GateLayerStats::kNearZero; };
    const double lo = -12 * sigma, hi = 12 * sigma;
    const int steps = 24000;
    double total = 0, start = -INFINITY;
    bool was = closed(lo);
    for (int i = 1; i <= steps; i++) {
        const double g = lo + (hi - lo) * i / steps;
        const bool now = closed(g);
        if (now == was) continue;
        double a = g - (hi - lo) / steps, b = g;  // refine the edge between a and b
        for (int it = 0; it < 60; it++) {
            const double mid = 0.5 * (a + b);
            (closed(mid) == was ? a : b) = mid;
        }
        const double edge = 0.5 * (a + b);
        if (now) start = edge;
        else total += normal_cdf(edge / sigma) - normal_cdf(start / sigma);
        was = now;
    }
    if (was) total += 1.0 - normal_cdf(start / sigma);
    return total;
}

double lr_sensitivity(std::span<const double> loss_at_rate, double loss_init) {
    double sum = 0, best = loss_init;
    bool any = false;
    for (double loss : loss_at_rate) {
        const double capped = std::isnan(loss) ? loss_init : std::min(loss, loss_init);
        sum += capped;
        if (!std::isnan(loss)) {
            best = any ? std::min(best, loss) : loss;
            any = true;
        }
    }
    if (!any || loss_at_rate.empty()) return 0;
    return sum / static_cast<double>(loss_at_rate.size()) - best;
}

}  // namespace lesson13
