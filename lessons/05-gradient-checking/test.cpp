// Lesson 05 · tests of the exercise: central_difference, relative_error and check_derivative.
#include <doctest/doctest.h>

#include "exercise.hpp"

#include <cmath>
#include <limits>

using namespace lesson05;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
double relu(double x) { return x > 0 ? x : 0; }
double relu_grad(double x) { return x > 0 ? 1 : 0; }
}  // namespace

TEST_SUITE("lesson05") {
    TEST_CASE("central_difference: exact for a quadratic, off by exactly h^2 for x^3") {
        auto square = [](double x) { return x * x; };
        CHECK(central_difference(square, 3.0, 1e-3) == doctest::Approx(6.0).epsilon(1e-9));
        CHECK(central_difference(square, -0.5, 0.25) == doctest::Approx(-1.0).epsilon(1e-12));
        // (2.1^3 - 1.9^3) / 0.2 = 12.01 = f'(2) + h^2; a forward difference would give 12.61.
        auto cube = [](double x) { return x * x * x; };
        CHECK(central_difference(cube, 2.0, 0.1) == doctest::Approx(12.01).epsilon(1e-12));
    }

    TEST_CASE("central_difference: sin at 1 with h = 1e-4 is within 1e-8 of cos(1)") {
        auto sine = [](double x) { return std::sin(x); };
        CHECK(std::fabs(central_difference(sine, 1.0, 1e-4) - std::cos(1.0)) < 1e-8);
        CHECK(std::fabs(central_difference(sine, -2.0, 1e-4) - std::cos(-2.0)) < 1e-8);
    }

    TEST_CASE("central_difference divides by the step actually taken") {
        // Near 1e16 doubles are 2 apart: 1e16 +- 1.5 round to 1e16 +- 2, a step of 4, not 3.
        auto identity = [](double x) { return x; };
        CHECK(central_difference(identity, 1e16, 1.5) == 1.0);
    }

    TEST_CASE("relative_error: relative above the floor, absolute below it, NaN is infinite") {
        CHECK(relative_error(1.0, 1.01, 1e-2) == doctest::Approx(0.01 / 1.01));
        CHECK(relative_error(-3.0, -3.0, 1e-2) == 0.0);
        CHECK(relative_error(2.0, -2.0, 1e-2) == doctest::Approx(2.0));  // a sign flip
        CHECK(relative_error(1.0, 2.0, 1e-2) == doctest::Approx(0.5));   // a factor of two
        // Below the floor the error is |a - n| / floor.
        CHECK(relative_error(0.0, 1e-5, 1e-2) == doctest::Approx(1e-3));
        CHECK(relative_error(2e-6, -1e-6, 1e-2) == doctest::Approx(3e-4));
        CHECK(relative_error(0.0, 0.0, 1e-2) == 0.0);
        CHECK(relative_error(kNaN, 1.0, 1e-2) == kInf);
        CHECK(relative_error(1.0, kNaN, 1e-2) == kInf);
    }

    TEST_CASE("check_derivative: the right derivative passes") {
        auto sine = [](double x) { return std::sin(x); };
        auto cosine = [](double x) { return std::cos(x); };
        ScalarCheck r = check_derivative(sine, cosine, {-3.0, -1.0, 0.0, 0.5, 2.0}, 1e-3, 1e-4, 1e-4);
        CHECK(r.ok);
        CHECK(r.max_rel_err < 1e-5);
        CHECK(r.max_rel_err > 0.0);
    }

    TEST_CASE("check_derivative: wrong derivatives fail, and the worst point is reported") {
        auto sine = [](double x) { return std::sin(x); };
        auto five_percent = [](double x) { return 1.05 * std::cos(x); };
        ScalarCheck r = check_derivative(sine, five_percent, {-1.0, 0.0, 1.0}, 1e-3, 1e-2, 1e-2);
        CHECK_FALSE(r.ok);
        CHECK(r.max_rel_err == doctest::Approx(0.05 / 1.05).epsilon(1e-3));
        auto flipped = [](double x) { return -std::cos(x); };
        r = check_derivative(sine, flipped, {-1.0, 0.0, 1.0}, 1e-3, 1e-2, 1e-2);
        CHECK_FALSE(r.ok);
        CHECK(r.max_rel_err == doctest::Approx(2.0).epsilon(1e-6));
        // Only x = 2 is wrong: it must be the one reported.
        auto wrong_at_2 = [](double x) { return x == 2.0 ? 0.0 : std::cos(x); };
        r = check_derivative(sine, wrong_at_2, {-1.0, 0.0, 2.0, 3.0}, 1e-3, 1e-2, 1e-2);
        CHECK_FALSE(r.ok);
        CHECK(r.worst_x == 2.0);
        CHECK(r.max_rel_err == doctest::Approx(1.0));
    }

    TEST_CASE("check_derivative: relu's kink fails a difference that straddles 0") {
        // At x = -0.004 with h = 0.01: relu's slope is 0, the difference sees 0.006 / 0.02 = 0.3.
        ScalarCheck r = check_derivative(relu, relu_grad, {-1.0, -0.004, 0.5, 2.0}, 1e-2, 1e-2, 1e-2);
        CHECK_FALSE(r.ok);
        CHECK(r.worst_x == -0.004);
        CHECK(r.max_rel_err == doctest::Approx(1.0));
        // Keep the points 2h away from the kink and relu passes exactly.
        r = check_derivative(relu, relu_grad, {-1.0, -0.03, 0.5, 2.0}, 1e-2, 1e-2, 1e-2);
        CHECK(r.ok);
        CHECK(r.max_rel_err < 1e-12);
    }

    TEST_CASE("check_derivative: a NaN derivative fails") {
        auto sine = [](double x) { return std::sin(x); };
        auto broken = [](double x) { return x > 0 ? kNaN : std::cos(x); };
        ScalarCheck r = check_derivative(sine, broken, {-1.0, 1.0}, 1e-3, 1e-2, 1e-2);
        CHECK_FALSE(r.ok);
        CHECK(r.max_rel_err == kInf);
        CHECK(r.worst_x == 1.0);
    }
}

// Exercise 5: the fourth-order difference is exact on quartics and its error falls as h^4.
TEST_SUITE("lesson05") {
    TEST_CASE("five_point_difference is exact for polynomials of degree 4") {
        auto quartic = [](double x) { return 3 * x * x * x * x - 2 * x * x * x + x * x - 5 * x + 1; };
        auto dquartic = [](double x) { return 12 * x * x * x - 6 * x * x + 2 * x - 5; };
        for (double x : {-1.5, 0.0, 0.7, 2.0})
            for (double h : {0.5, 0.1, 1e-2}) {
                INFO("x = " << x << ", h = " << h);
                CHECK(five_point_difference(quartic, x, h) == doctest::Approx(dquartic(x)).epsilon(1e-9));
            }
    }

    TEST_CASE("five_point_difference: halving h divides the error by about 16 (O(h^4))") {
        auto f = [](double x) { return std::exp(std::sin(x)); };
        const double x = 0.8, exact = std::cos(x) * std::exp(std::sin(x));
        const double e1 = std::abs(five_point_difference(f, x, 0.1) - exact);
        const double e2 = std::abs(five_point_difference(f, x, 0.05) - exact);
        INFO("errors " << e1 << " at h = 0.1 and " << e2 << " at h = 0.05");
        CHECK(e1 < 1e-4);
        CHECK(e1 / e2 == doctest::Approx(16.0).epsilon(0.1));
    }
}
