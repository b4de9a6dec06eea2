// test_stale_tensor.cpp — the GLULAB_DEBUG check: a Tensor read after its tape's reset().
//
// After tape.reset() the arena hands the same memory to the next step's tensors, so an old
// Tensor still "works" and silently reads their values. In a GLULAB_DEBUG build every Tensor a
// Tape makes carries the arena's generation, and reading it after a reset throws
// (tensor.hpp → Tensor::check_live). This file is compiled with -DGLULAB_DEBUG into its own
// small binary, build/debug_tests, which `make test` runs after build/tests (see the Makefile).
//
// Lesson 02 · tensors, shapes and memory
#ifndef GLULAB_DEBUG
#error "test_stale_tensor.cpp tests the GLULAB_DEBUG checks: build it with -DGLULAB_DEBUG"
#endif

#include "glulab/autograd/autograd.hpp"
#include "glulab/core/params.hpp"
#include "glulab/core/tape.hpp"

#include "../test_util.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>

using namespace glulab;
using glulab_test::error_message;

namespace {

// A (4) activation on the tape, filled with 1, 2, 3, 4.
Tensor filled(Tape& tape) {
    Tensor t = tape.new_tensor(Shape{4}, false);
    for (int i = 0; i < 4; i++) t.data[i] = static_cast<float>(i + 1);
    return t;
}

// A store holding one (4) parameter, declared in the two passes params.hpp asks for.
Tensor one_parameter(ParamStore& ps) {
    ps.add("w", Shape{4}, true);
    ps.allocate();
    Tensor w = ps.add("w", Shape{4}, true);
    ps.finish_binding();
    return w;
}

}  // namespace

TEST_CASE("debug: a tensor read after tape.reset() throws, naming the reset") {
    Tape tape;
    Tensor old = filled(tape);
    CHECK(old.at({2}) == 3.0f);  // alive: reads fine
    tape.reset();
    Tensor now = tape.new_tensor(Shape{4}, false);
    REQUIRE(now.data == old.data);  // the reused memory the check is about
    const std::string what = error_message([&] { (void)old.at({2}); });
    CHECK(what.find("read after its tape was reset") != std::string::npos);
    CHECK(what.find("(4)") != std::string::npos);
    CHECK_THROWS_AS(old.view(Shape{2, 2}), Error);
    CHECK_NOTHROW(now.at({0}));  // the new step's tensor is alive
}

TEST_CASE("debug: an op given a tensor of an earlier step throws") {
    Tape tape;
    Tensor a = filled(tape);
    Tensor b = filled(tape);
    CHECK_NOTHROW(add(tape, a, b));
    tape.reset();
    Tensor fresh = filled(tape);
    CHECK_THROWS_AS(add(tape, fresh, a), Error);
    CHECK_THROWS_AS(relu(tape, b), Error);
    CHECK_NOTHROW(relu(tape, fresh));
}

TEST_CASE("debug: backward of a loss from before the reset throws") {
    ParamStore ps;
    Tensor w = one_parameter(ps);
    Tape tape;
    Tensor loss = sum(tape, w);
    tape.reset();
    CHECK_THROWS_AS(tape.backward(loss), Error);
}

TEST_CASE("debug: parameters outlive every reset") {
    ParamStore ps;
    Tensor w = one_parameter(ps);
    Tape tape;
    for (int step = 0; step < 3; step++) {
        Tensor loss = sum(tape, w);
        tape.backward(loss);
        tape.reset();
        CHECK_NOTHROW(w.at({0}));
    }
}

// The tape zeroes an op output's gradient buffer in backward, just before its first use
// (tape.cpp → Tape::note_consumer). Until then a debug build fills it with NaN, so a kernel
// that read a gradient too early would spread NaN through the step instead of reading zeros.
TEST_CASE("debug: an op's gradient buffer is NaN until backward zeroes it") {
    ParamStore ps;
    Tensor w = one_parameter(ps);
    Tape tape;
    for (int i = 0; i < 4; i++) w.data[i] = static_cast<float>(i);
    Tensor y = mul(tape, w, w);
    for (int i = 0; i < 4; i++) CHECK(std::isnan(y.grad[i]));
    tape.backward(sum(tape, y));
    for (int i = 0; i < 4; i++) {
        CHECK(y.grad[i] == 1.0f);
        CHECK(w.grad[i] == 2.0f * w.data[i]);
    }
}
