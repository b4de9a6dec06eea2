// Lesson 05 · reference solution of the exercise (CI runs the lesson's tests against it).
#include "exercise.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lesson05 {

double central_difference(const std::function<double(double)>& f, double x, double h) {
    const double up = x + h, down = x - h;
    return (f(up) - f(down)) / (up - down);
}

double relative_error(double analytic, double numeric, double floor) {
    if (std::isnan(analytic) || std::isnan(numeric)) return std::numeric_limits<double>::infinity();
    return std::fabs(analytic - numeric) /
           std::max({std::fabs(analytic), std::fabs(numeric), floor});
}

ScalarCheck check_derivative(const std::function<double(double)>& f,
                             const std::function<double(double)>& df,
                             const std::vector<double>& xs, double h, double tol, double floor) {
    ScalarCheck result{.ok = true, .max_rel_err = 0.0, .worst_x = xs.empty() ? 0.0 : xs[0]};
    for (double x : xs) {
        const double rel = relative_error(df(x), central_difference(f, x, h), floor);
        if (rel > tol) result.ok = false;
        if (rel > result.max_rel_err) {
            result.max_rel_err = rel;
            result.worst_x = x;
        }
    }
    return result;
}

// Taylor: f(x+h) - f(x-h) = 2h f' + h^3/3 f''' + O(h^5); with 2h: 4h f' + 8h^3/3 f''' + O(h^5).
// 8 times the first minus the second cancels f''': 12 h f' + O(h^5), so
//     f'(x) = (8 (f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))) / (12 h) + O(h^4).
double five_point_difference(const std::function<double(double)>& f, double x, double h) {
    return (8.0 * (f(x + h) - f(x - h)) - (f(x + 2 * h) - f(x - 2 * h))) / (12.0 * h);
}

}  // namespace lesson05
