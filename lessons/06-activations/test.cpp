// Lesson 06 · activations — tests of the exercise: SiLU's kernels against the math, against
// central differences and against the library's silu_forward / silu_backward.
#include <doctest/doctest.h>

#include "exercise.hpp"
#include "glulab/ops/ops.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace {

// The reference, in double: silu(x) = x / (1 + e^-x).
double silu_ref(double x) { return x / (1.0 + std::exp(-x)); }

// x_i = -6.05, -5.95, ..., 6.05: [-6, 6] in steps of 0.1 (122 points, none exactly 0).
std::vector<float> grid() {
    std::vector<float> x;
    for (int i = 0; i <= 121; i++) x.push_back(0.1f * static_cast<float>(i) - 6.05f);
    return x;
}

std::vector<float> forward(const std::vector<float>& x) {
    std::vector<float> out(x.size(), -99.0f);
    lesson06::silu_forward(out.data(), x.data(), static_cast<int64_t>(x.size()));
    return out;
}

// silu'(x) for every x: backward from dout = 1 into a zeroed dx.
std::vector<float> derivative(const std::vector<float>& x) {
    std::vector<float> dx(x.size(), 0.0f), ones(x.size(), 1.0f);
    lesson06::silu_backward(dx.data(), ones.data(), x.data(), static_cast<int64_t>(x.size()));
    return dx;
}

}  // namespace

TEST_SUITE("lesson06") {
    TEST_CASE("silu_forward has the right values") {
        const std::vector<float> x = {0.0f, 1.0f, -1.0f, 2.0f, -0.5f};
        const std::vector<float> out = forward(x);
        CHECK(out[0] == 0.0f);
        CHECK(out[1] == doctest::Approx(0.7310585786));  // 1 * s(1)
        CHECK(out[2] == doctest::Approx(-0.2689414214)); // -1 * s(-1)
        CHECK(out[3] == doctest::Approx(1.7615941560));
        CHECK(out[4] == doctest::Approx(-0.1887703343));
        const std::vector<float> g = grid(), y = forward(g);
        for (size_t i = 0; i < g.size(); i++) {
            INFO("silu(" << g[i] << ") = " << y[i] << ", expected " << silu_ref(g[i]));
            const double ref = silu_ref(g[i]);
            CHECK(std::fabs(y[i] - ref) <= 1e-6 * std::max(1.0, std::fabs(ref)));
        }
    }

    TEST_CASE("silu_backward matches central differences of silu") {
        const std::vector<float> g = grid(), d = derivative(g);
        const double h = 1e-4;
        for (size_t i = 0; i < g.size(); i++) {
            const double numeric = (silu_ref(g[i] + h) - silu_ref(g[i] - h)) / (2 * h);
            INFO("silu'(" << g[i] << "): yours " << d[i] << ", central difference " << numeric);
            CHECK(std::fabs(d[i] - numeric) <= 1e-5);
        }
        // Known points: silu'(0) = 1/2, and silu has its minimum near x = -1.2785 (silu' = 0).
        CHECK(derivative({0.0f})[0] == doctest::Approx(0.5));
        CHECK(std::fabs(derivative({-1.2784645f})[0]) < 1e-5);
    }

    TEST_CASE("silu_backward multiplies by dout and accumulates (+=) into dx") {
        const std::vector<float> x = {-2.0f, -0.3f, 0.7f, 4.0f};
        const std::vector<float> dout = {0.5f, -1.0f, 2.0f, 3.0f};
        const std::vector<float> d = derivative(x);
        std::vector<float> dx = {1.0f, 1.0f, -2.0f, 0.25f};  // what earlier uses of x put there
        const std::vector<float> before = dx;
        lesson06::silu_backward(dx.data(), dout.data(), x.data(), 4);
        for (size_t i = 0; i < x.size(); i++) {
            INFO("element " << i << ": dx was " << before[i] << ", dout " << dout[i]);
            CHECK(dx[i] == doctest::Approx(before[i] + dout[i] * d[i]));
        }
        lesson06::silu_backward(nullptr, dout.data(), x.data(), 4);  // must not crash
    }

    TEST_CASE("large |x| gives finite values: silu(x) -> x for x >> 0 and -> 0 for x << 0") {
        const std::vector<float> x = {-200.0f, -100.0f, -30.0f, 30.0f, 100.0f, 200.0f};
        const std::vector<float> y = forward(x), d = derivative(x);
        for (size_t i = 0; i < x.size(); i++) {
            INFO("x = " << x[i] << ": silu " << y[i] << ", silu' " << d[i]);
            CHECK(std::isfinite(y[i]));
            CHECK(std::isfinite(d[i]));
            if (x[i] > 0) {
                CHECK(y[i] == doctest::Approx(x[i]));
                CHECK(d[i] == doctest::Approx(1.0));
            } else {
                CHECK(std::fabs(y[i]) < 1e-10);
                CHECK(std::fabs(d[i]) < 1e-10);
            }
        }
    }

    TEST_CASE("agrees with the library's silu_forward and silu_backward") {
        const std::vector<float> x = grid();
        const int64_t n = static_cast<int64_t>(x.size());
        std::vector<float> lib_out(x.size()), lib_dx(x.size(), 0.0f), dout(x.size());
        for (size_t i = 0; i < x.size(); i++)
            dout[i] = 1.0f + 0.5f * std::sin(static_cast<float>(i));
        glulab::silu_forward(lib_out.data(), x.data(), n);
        glulab::silu_backward(lib_dx.data(), dout.data(), x.data(), n);
        std::vector<float> out = forward(x), dx(x.size(), 0.0f);
        lesson06::silu_backward(dx.data(), dout.data(), x.data(), n);
        for (size_t i = 0; i < x.size(); i++) {
            INFO("x = " << x[i]);
            CHECK(out[i] == doctest::Approx(lib_out[i]).epsilon(1e-5));
            CHECK(dx[i] == doctest::Approx(lib_dx[i]).epsilon(1e-5));
        }
    }
}

// Exercise 5: gelu_tanh's derivative, against central differences and glulab's kernel.
TEST_SUITE("lesson06") {
    TEST_CASE("gelu_tanh_backward matches central differences and glulab::gelu_tanh_backward") {
        auto gelu_tanh = [](double x) {
            return 0.5 * x * (1.0 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
        };
        std::vector<float> x, dout;
        for (float v = -6.0f; v <= 6.0f; v += 0.25f) {
            x.push_back(v);
            dout.push_back(1.0f + 0.1f * v);
        }
        const auto n = static_cast<int64_t>(x.size());
        std::vector<float> mine(x.size(), 2.0f), theirs(x.size(), 2.0f);  // already hold 2
        lesson06::gelu_tanh_backward(mine.data(), dout.data(), x.data(), n);
        glulab::gelu_tanh_backward(theirs.data(), dout.data(), x.data(), n);
        for (size_t i = 0; i < x.size(); i++) {
            const double h = 1e-5;
            const double numeric = (gelu_tanh(x[i] + h) - gelu_tanh(x[i] - h)) / (2 * h);
            INFO("x = " << x[i]);
            CHECK(mine[i] - 2.0f == doctest::Approx(dout[i] * numeric).epsilon(1e-4));
            CHECK(mine[i] == doctest::Approx(theirs[i]).epsilon(1e-5));
        }
        lesson06::gelu_tanh_backward(nullptr, dout.data(), x.data(), n);  // skipped, no crash
    }
}
