// Lesson 03 · tests of the exercise: square_backward alone, on the tape, and in the harness.
#include <doctest/doctest.h>

#include "exercise.hpp"
#include "glulab/autograd/autograd.hpp"
#include "glulab/autograd/gradcheck.hpp"

#include <vector>

using namespace lesson03;
using namespace glulab;

TEST_SUITE("lesson03") {
    TEST_CASE("square_backward adds 2 x dout into dx (+=, not =)") {
        const float x[5] = {-2.0f, -0.5f, 0.0f, 1.0f, 3.0f};
        const float dout[5] = {1.0f, 2.0f, 5.0f, -1.0f, 0.25f};
        float dx[5] = {10.0f, 10.0f, 10.0f, 10.0f, 10.0f};  // gradients other ops already added
        square_backward(dx, dout, x, 5);
        const float expected[5] = {10.0f - 4.0f, 10.0f - 2.0f, 10.0f, 10.0f - 2.0f, 10.0f + 1.5f};
        for (int i = 0; i < 5; i++) {
            INFO("element " << i << ", x = " << x[i] << ", dout = " << dout[i]);
            CHECK(dx[i] == doctest::Approx(expected[i]));
        }
    }

    TEST_CASE("square_backward with dx == nullptr does nothing (and does not crash)") {
        const float x[3] = {1.0f, 2.0f, 3.0f}, dout[3] = {1.0f, 1.0f, 1.0f};
        square_backward(nullptr, dout, x, 3);
        // And on the tape: square of an input without a gradient records nothing.
        Tape tape;
        std::vector<float> xs = {1.0f, 2.0f, 3.0f};
        Tensor t = square(tape, Tensor{xs.data(), nullptr, Shape{3}});
        CHECK(tape.nodes().empty());
        CHECK(t.data[2] == 9.0f);
    }

    TEST_CASE("on the tape: d/dx sum(square(x) * s) = 2 x s, and central differences agree") {
        std::vector<float> x = {0.3f, -1.2f, 2.0f, 0.7f, -0.1f, 1.5f};
        std::vector<float> s = {1.0f, -2.0f, 0.5f, 3.0f, 1.5f, -0.25f};
        std::vector<float> dx(x.size(), 0.0f);
        Tape tape;
        Tensor X{x.data(), dx.data(), Shape{2, 3}}, S{s.data(), nullptr, Shape{2, 3}};
        Tensor y = sum(tape, mul(tape, square(tape, X), S));
        tape.backward(y);
        auto f = [&](const std::vector<float>& xv) {
            double total = 0;
            for (size_t i = 0; i < xv.size(); i++) total += double(xv[i]) * xv[i] * s[i];
            return total;
        };
        for (size_t i = 0; i < x.size(); i++) {
            INFO("element " << i);
            CHECK(dx[i] == doctest::Approx(2.0 * x[i] * s[i]).epsilon(1e-6));
            std::vector<float> up = x, down = x;
            up[i] += 1e-3f;
            down[i] -= 1e-3f;
            const double numeric = (f(up) - f(down)) / (double(up[i]) - down[i]);
            CHECK(dx[i] == doctest::Approx(numeric).epsilon(1e-4));
        }
    }

    TEST_CASE("x used twice: sum(square(x) + square(x)) has gradient 4x") {
        std::vector<float> x = {1.0f, -2.0f, 0.5f}, dx(3, 0.0f);
        Tape tape;
        Tensor X{x.data(), dx.data(), Shape{3}};
        Tensor y = sum(tape, add(tape, square(tape, X), square(tape, X)));
        tape.backward(y);
        for (int i = 0; i < 3; i++) {
            INFO("element " << i << ": an assignment would keep only one of the two 2x");
            CHECK(dx[i] == doctest::Approx(4.0f * x[i]));
        }
    }

    TEST_CASE("the gradient-check harness accepts square (lesson 05)") {
        GradcheckResult r = gradcheck({.name = "square",
                                       .inputs = {{.shape = {3, 4}}},
                                       .f = [](Tape& t, std::span<Tensor> in) {
                                           return square(t, in[0]);
                                       }});
        CHECK_MESSAGE(r.ok, r.message);
    }
}

// Exercise 3: two backward passes on one tape, predicted by hand and run on the tape.
TEST_SUITE("lesson03") {
    TEST_CASE("gradients_after_two_backwards predicts what the tape holds after two passes") {
        std::vector<float> a = {1.0f, 2.0f, -1.0f, 0.5f}, b = {3.0f, -1.0f, 2.0f, 4.0f};
        std::vector<float> s = {0.5f, 1.0f, -2.0f, 1.5f};
        std::vector<float> da(4, 0.0f), db(4, 0.0f), ds(4, 0.0f);
        Tape tape;
        Tensor A{a.data(), da.data(), Shape{4}}, B{b.data(), db.data(), Shape{4}};
        Tensor S{s.data(), ds.data(), Shape{4}};
        Tensor y = sum(tape, mul(tape, add(tape, mul(tape, A, B), A), S));
        tape.backward(y);
        tape.backward(y);
        for (int i = 0; i < 4; i++) {
            const TwoPasses p = gradients_after_two_backwards(a[i], b[i], s[i]);
            INFO("element " << i << ": a = " << a[i] << ", b = " << b[i] << ", s = " << s[i]);
            CHECK(p.da == doctest::Approx(da[i]));
            CHECK(p.db == doctest::Approx(db[i]));
            CHECK(p.ds == doctest::Approx(ds[i]));
        }
    }
}
