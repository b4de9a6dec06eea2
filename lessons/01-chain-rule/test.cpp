// Lesson 01 · tests of the exercise: value and gradient of sigmoid, and its use in a sum.
#include <doctest/doctest.h>

#include "scalar.hpp"
#include <cmath>

using namespace lesson01;

TEST_SUITE("lesson01") {
    TEST_CASE("sigmoid has the right value") {
        clear_tape();
        CHECK(sigmoid(Scalar(0.0)).value() == doctest::Approx(0.5));
        CHECK(sigmoid(Scalar(2.0)).value() == doctest::Approx(0.8807970779778823));
    }

    TEST_CASE("sigmoid's gradient matches central differences") {
        for (double x : {-3.0, -0.5, 0.0, 1.5}) {
            clear_tape();
            Scalar a(x);
            Scalar s = sigmoid(a);
            backward(s);
            const double h = 1e-6;
            double numeric = (1 / (1 + std::exp(-(x + h))) - 1 / (1 + std::exp(-(x - h)))) / (2 * h);
            INFO("at a = " << x);
            CHECK(a.grad() == doctest::Approx(numeric).epsilon(1e-6));
        }
    }

    TEST_CASE("sigmoid's backward accumulates (+=) when its input is used twice") {
        clear_tape();
        Scalar a(0.3);
        Scalar y = sigmoid(a) + a;  // dy/da = s (1 - s) + 1
        backward(y);
        double s = 1 / (1 + std::exp(-0.3));
        CHECK(a.grad() == doctest::Approx(s * (1 - s) + 1));
    }
}

// Exercise 4: power(a, b), whose gradient with respect to the exponent has to be derived.
TEST_SUITE("lesson01") {
    TEST_CASE("power(a, b) has the value a^b") {
        clear_tape();
        CHECK(power(Scalar(2.0), Scalar(3.0)).value() == doctest::Approx(8.0));
        CHECK(power(Scalar(9.0), Scalar(0.5)).value() == doctest::Approx(3.0));
    }

    TEST_CASE("power's gradients in a and in b match central differences") {
        const double cases[][2] = {{2.0, 3.0}, {0.5, -1.5}, {3.0, 0.5}, {1.7, 2.2}};
        for (const auto& c : cases) {
            clear_tape();
            Scalar a(c[0]), b(c[1]);
            backward(power(a, b));
            const double h = 1e-6;
            const double da = (std::pow(c[0] + h, c[1]) - std::pow(c[0] - h, c[1])) / (2 * h);
            const double db = (std::pow(c[0], c[1] + h) - std::pow(c[0], c[1] - h)) / (2 * h);
            INFO("a = " << c[0] << ", b = " << c[1]);
            CHECK(a.grad() == doctest::Approx(da).epsilon(1e-6));
            CHECK(b.grad() == doctest::Approx(db).epsilon(1e-6));
        }
    }

    TEST_CASE("power's backward adds (+=) into a and into b, each of which has other uses") {
        // y = a^b + a * b. The tape runs mul's backward before power's, so a and b already hold
        // a gradient when power's backward runs: writing = on either line throws it away.
        const double cases[][2] = {{2.0, 3.0}, {0.5, -1.5}, {1.7, 2.2}};
        for (const auto& c : cases) {
            clear_tape();
            Scalar a(c[0]), b(c[1]);
            Scalar p = power(a, b);  // its own statement: recorded before the product below
            backward(p + a * b);
            INFO("a = " << c[0] << ", b = " << c[1]);
            CHECK(a.grad() == doctest::Approx(c[1] * std::pow(c[0], c[1] - 1) + c[1]).epsilon(1e-9));
            CHECK(b.grad() == doctest::Approx(std::pow(c[0], c[1]) * std::log(c[0]) + c[0]).epsilon(1e-9));
        }
    }

    TEST_CASE("x^x: one input in both places, so both gradients add up") {
        for (double x : {0.5, 1.0, 1.5, 2.5}) {
            clear_tape();
            Scalar a(x);
            backward(power(a, a));
            const double h = 1e-6;
            const double numeric = (std::pow(x + h, x + h) - std::pow(x - h, x - h)) / (2 * h);
            INFO("x = " << x);
            CHECK(a.grad() == doctest::Approx(numeric).epsilon(1e-6));
        }
    }
}
