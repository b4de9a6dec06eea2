// test_core.cpp — shapes, the check macro, the arenas and the tape's bookkeeping.
#include <doctest/doctest.h>

#include "glulab/platform/alloc_counter.hpp"
#include "glulab/autograd/autograd.hpp"
#include "glulab/core/op_profile.hpp"
#include "glulab/core/params.hpp"

using namespace glulab;

namespace {

// The view of "a" (n floats, no weight decay) in a store `ps` that holds nothing else, through
// both passes: declared, allocated, declared again and bound (params.hpp).
Tensor lone_param(ParamStore& ps, int n) {
    ps.add("a", Shape{n}, false);
    ps.allocate();
    Tensor a = ps.add("a", Shape{n}, false);
    ps.finish_binding();
    return a;
}

}  // namespace

TEST_CASE("shape prints as a tuple and counts its elements") {
    Shape s{4, 64, 128};
    CHECK(s.str() == "(4, 64, 128)");
    CHECK(fmt::format("{}", s) == "(4, 64, 128)");
    CHECK(s.numel() == 4 * 64 * 128);
    CHECK(s.rows() == 4 * 64);
    CHECK(s.cols() == 128);
    CHECK_THROWS_AS(Shape({1, 2, 3, 4, 5}), Error);
}

TEST_CASE("GLULAB_CHECK names file, line, message and hint") {
    try {
        GLULAB_CHECK(1 + 1 == 3, "check your arithmetic", "expected {} got {}", 3, 2);
        FAIL("no throw");
    } catch (const Error& e) {
        std::string what = e.what();
        CHECK(what.find("tests/test_core.cpp:") == 0);
        CHECK(what.find("expected 3 got 2") != std::string::npos);
        CHECK(what.find("(hint: check your arithmetic)") != std::string::npos);
    }
}

TEST_CASE("arena reuses its blocks after reset, aligned to 64 bytes") {
    Arena arena(1000);
    float* a = arena.alloc(10);
    float* b = arena.alloc(5000);  // larger than a block: gets its own
    CHECK(reinterpret_cast<uintptr_t>(a) % 64 == 0);
    CHECK(reinterpret_cast<uintptr_t>(b) % 64 == 0);
    size_t blocks = arena.block_count();
    arena.reset();
    long before = glulab::heap_allocations();
    CHECK(arena.alloc(10) == a);
    CHECK(arena.alloc(5000) == b);
    CHECK(glulab::heap_allocations() == before);
    CHECK(arena.block_count() == blocks);
}

TEST_CASE("param store: two passes, named views into one flat array") {
    ParamStore ps;
    auto declare = [&] {
        ps.add("w", Shape{3, 4}, true);
        ps.add("g", Shape{4}, false);
    };
    declare();
    CHECK(ps.size() == 16);
    ps.allocate();
    declare();
    ps.finish_binding();
    Tensor g = ps.view(ps.find("g"));
    CHECK(g.data == ps.data() + 12);
    CHECK(g.grad == ps.grad() + 12);
    CHECK_THROWS_AS(ps.find("nope"), Error);
}

TEST_CASE("param store rejects a second pass that differs from the first") {
    ParamStore ps;
    ps.add("w", Shape{3, 4}, true);
    ps.allocate();
    CHECK_THROWS_AS(ps.add("w", Shape{4, 3}, true), Error);
}

// The tape zeroes an op output's gradient buffer in backward, just before the first backward
// that adds into it (tape.cpp → Tape::note_consumer), not when new_tensor makes it. A reused
// arena holds the last step's gradients in that memory, so this runs a step that fills it
// first, then a different graph over the same memory: a tensor used twice by one op (mul(a, a)),
// one read by two ops, and an output that nothing reads.
TEST_CASE("tape: gradient buffers read as zero in backward on a reused arena") {
    ParamStore ps;
    Tensor a = lone_param(ps, 4);
    for (int i = 0; i < 4; i++) a.data[i] = 0.5f + static_cast<float>(i);
    Tape tape;
    {  // step 1: every gradient buffer of the arena ends up non-zero
        Tensor y = scale(tape, a, 3.0f);
        tape.backward(sum(tape, mul(tape, y, y)));
        tape.reset();
    }
    ps.zero_grad();
    Tensor sq = mul(tape, a, a);            // a^2, its gradient first added to by add below
    Tensor unused = scale(tape, sq, 7.0f);  // read by no node: its gradient must be 0, not old
    Tensor loss = sum(tape, add(tape, sq, scale(tape, sq, 2.0f)));  // sum 3 a^2
    CHECK(unused.requires_grad());
    tape.backward(loss);
    for (int i = 0; i < 4; i++) {
        CHECK(sq.grad[i] == 3.0f);  // d loss / d sq: 1 from add's first input, 2 through scale
        CHECK(unused.grad[i] == 0.0f);
        CHECK(a.grad[i] == doctest::Approx(6.0f * a.data[i]));
    }
}

TEST_CASE("tape: an observer sees every node recorded and every backward step, in order") {
    ParamStore ps;
    Tensor a = lone_param(ps, 3);
    for (int i = 0; i < 3; i++) a.data[i] = 1.0f + static_cast<float>(i);
    struct Log : TapeObserver {
        std::string seen;
        void recorded(const Node& n) override { seen += fmt::format("+{} ", n.op); }
        void reset() override { seen += "reset "; }
        void backward_begin(const Node& n) override { seen += fmt::format("[{} ", n.op); }
        void backward_end(const Node& n) override { seen += fmt::format("{}] ", n.op); }
    } log;
    Tape tape;
    tape.observe(&log);
    tape.reset();
    tape.backward(sum(tape, mul(tape, a, a)));
    CHECK(log.seen == "reset +mul +sum [sum sum] [mul mul] ");
    tape.observe(nullptr);  // removed: the tape calls nothing, and the gradients are the same
    tape.reset();
    ps.zero_grad();
    tape.backward(sum(tape, mul(tape, a, a)));
    CHECK(log.seen == "reset +mul +sum [sum sum] [mul mul] ");
    for (int i = 0; i < 3; i++) CHECK(a.grad[i] == 2.0f * a.data[i]);
}

TEST_CASE("op profile: one row per op name, calls counted per forward, times not negative") {
    ParamStore ps;
    Tensor a = lone_param(ps, 8);
    Tape tape;
    OpProfile profile;
    tape.observe(&profile);
    for (int step = 0; step < 3; step++) {
        tape.reset();
        tape.backward(sum(tape, mul(tape, scale(tape, a, 2.0f), scale(tape, a, 3.0f))));
    }
    REQUIRE(profile.ops().size() == 3);
    const OpTime& scale_row = profile.ops()[0];
    CHECK(std::string(scale_row.op) == "scale");
    CHECK(scale_row.calls == 6);  // two a step
    CHECK(profile.ops()[1].calls == 3);
    for (const OpTime& o : profile.ops()) CHECK((o.forward_s >= 0 && o.backward_s >= 0));
}
