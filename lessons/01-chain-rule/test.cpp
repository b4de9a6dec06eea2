// Lesson 01 · tests of the exercise: value and gradient of sigmoid, and its use in a sum.
#include <doctest/doctest.h>

#include "scalar.hpp"

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
