// Lesson 13 · reference solution of the exercise (CI runs the lesson's tests against it).
#include "exercise.hpp"

#include "glulab/check.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

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

}  // namespace lesson13
