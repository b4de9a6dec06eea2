// Lesson 05 · exercise: a small gradient checker for f: R -> R.
//
// Write the three functions declared in exercise.hpp:
//   1. central_difference(f, x, h): evaluate f at x + h and x - h and divide the difference by
//      the step actually taken, (x + h) - (x - h).
//   2. relative_error(analytic, numeric, floor): |a - n| / max(|a|, |n|, floor); return
//      +infinity (std::numeric_limits<double>::infinity()) when a or n is NaN.
//   3. check_derivative(f, df, xs, h, tol, floor): for every x in xs compare df(x) with the
//      central difference; report ok (every error <= tol), the largest error and where it was.
// src/autograd/gradcheck.cpp does the same for tensors: read its steps 4 and 5.
// Check it with:  make exercise LESSON=05
#include "exercise.hpp"

namespace lesson05 {

double central_difference(const std::function<double(double)>& f, double x, double h) {
    // TODO: your code here.
    (void)f;
    (void)x;
    (void)h;
    return 0.0;
}

double relative_error(double analytic, double numeric, double floor) {
    // TODO: your code here.
    (void)analytic;
    (void)numeric;
    (void)floor;
    return 0.0;
}

ScalarCheck check_derivative(const std::function<double(double)>& f,
                             const std::function<double(double)>& df,
                             const std::vector<double>& xs, double h, double tol, double floor) {
    // TODO: your code here.
    (void)f;
    (void)df;
    (void)xs;
    (void)h;
    (void)tol;
    (void)floor;
    return ScalarCheck{};
}

// Exercise 5: find c1 and c2 in  f'(x) ~ (c1 (f(x+h) - f(x-h)) + c2 (f(x+2h) - f(x-2h))) / h
// from the Taylor series: the h^0 term must be f'(x) and the h^2 term (with f''') must cancel.
double five_point_difference(const std::function<double(double)>& f, double x, double h) {
    // TODO: your code here.
    (void)f;
    (void)x;
    (void)h;
    return 0.0;
}

}  // namespace lesson05
