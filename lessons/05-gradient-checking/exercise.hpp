// exercise.hpp — lesson 05's exercise: a gradient checker for functions of one variable.
//
// Lesson 05 · gradient checking
#pragma once

#include <functional>
#include <vector>

namespace lesson05 {

// The central difference of f at x with step h:
//     (f(x + h) - f(x - h)) / ((x + h) - (x - h))
// dividing by the step actually taken (in floating point (x + h) - (x - h) need not be 2h).
double central_difference(const std::function<double(double)>& f, double x, double h);

// The relative error of the harness (src/autograd/gradcheck.cpp):
//     |analytic - numeric| / max(|analytic|, |numeric|, floor)
// +infinity when either value is NaN, so that a NaN always fails a check.
double relative_error(double analytic, double numeric, double floor);

// Checks df against central differences of f at every point of xs.
struct ScalarCheck {
    bool ok = false;         // true when every point's relative error is <= tol
    double max_rel_err = 0;  // the largest relative error over the points
    double worst_x = 0;      // the point where it occurred (the first one, on a tie)
};
ScalarCheck check_derivative(const std::function<double(double)>& f,
                             const std::function<double(double)>& df,
                             const std::vector<double>& xs, double h, double tol, double floor);

// A fourth-order difference: the derivative of f at x from f(x - 2h), f(x - h), f(x + h) and
// f(x + 2h), with the coefficients chosen so that the error is O(h^4) (the central difference's
// is O(h^2)). Exact for every polynomial of degree 4 or less (up to rounding).
double five_point_difference(const std::function<double(double)>& f, double x, double h);

}  // namespace lesson05
