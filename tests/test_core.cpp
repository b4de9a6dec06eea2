// test_core.cpp — shapes, the check macro, the arenas and the tape's bookkeeping.
#include <doctest/doctest.h>

#include "alloc_counter.hpp"
#include "glulab/autograd.hpp"
#include "glulab/params.hpp"

using namespace glulab;

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
    long before = glulab_test::heap_allocations();
    CHECK(arena.alloc(10) == a);
    CHECK(arena.alloc(5000) == b);
    CHECK(glulab_test::heap_allocations() == before);
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
