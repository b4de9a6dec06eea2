// Lesson 02 · tensors, shapes and memory — a tensor is a shape and a pointer into an arena.
//
// 1. A (2, 3, 4) tensor over 24 floats: row-major offsets and strides.
// 2. Views: the same memory seen with another shape; a view is not a transpose.
// 3. GLULAB_CHECK: what a mistake looks like (glulab::Error, file, line, hint).
// 4. The Arena: bump allocation, reset, and the same blocks reused in the next step.
// 5. The Tape's arena over three steps: it stops growing after the first.
// 6. The ParamStore: every parameter a named slice of one flat array.
#include "glulab/core/arena.hpp"
#include "glulab/autograd/autograd.hpp"
#include "glulab/platform/check.hpp"
#include "glulab/core/params.hpp"
#include "glulab/core/tape.hpp"
#include "glulab/core/tensor.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <numeric>
#include <vector>

using namespace glulab;

namespace {

// Runs f, which must throw glulab::Error, and prints the error's message.
template <typename F>
void show_error(const char* what, F f) {
    try {
        f();
        fmt::print("{}: no error?\n", what);
    } catch (const Error& e) {
        fmt::print("{}:\n  {}\n", what, e.what());
    }
}

void print_row(const char* label, const float* row, int n) {
    fmt::print("{}", label);
    for (int i = 0; i < n; i++) fmt::print("{:4}", row[i]);
    fmt::print("\n");
}

}  // namespace

int main() {
    // 1. Offsets -------------------------------------------------------------------------------
    fmt::print("1. A tensor is a shape and a pointer\n");
    std::vector<float> memory(24);
    std::iota(memory.begin(), memory.end(), 0.0f);  // memory[i] = i, so a value is its offset
    Tensor x{memory.data(), nullptr, Shape{2, 3, 4}};
    fmt::print("x: shape {}, numel {}, seen as a matrix: {} rows of {} cols\n", x.shape, x.numel(),
               x.rows(), x.cols());
    fmt::print("strides ({}, {}, 1): element (b, t, c) sits at b*12 + t*4 + c\n",
               x.shape[1] * x.shape[2], x.shape[2]);
    for (auto [b, t, c] : {std::array{0, 0, 0}, std::array{0, 1, 2}, std::array{1, 0, 0},
                           std::array{1, 2, 3}}) {
        fmt::print("  ({}, {}, {}) -> offset {:2}, x.at = {:2}\n", b, t, c, b * 12 + t * 4 + c,
                   x.at({b, t, c}));
    }

    // 2. Views ---------------------------------------------------------------------------------
    fmt::print("\n2. Views share memory\n");
    Tensor y = x.view(Shape{6, 4});
    fmt::print("y = x.view({}): same data pointer: {}\n", y.shape, y.data == x.data ? "yes" : "no");
    y.at({5, 3}) = -1.0f;
    fmt::print("y.at({{5, 3}}) = -1 writes x.at({{1, 2, 3}}): {}\n", x.at({1, 2, 3}));
    memory[23] = 23.0f;
    Tensor m{memory.data(), nullptr, Shape{3, 4}};  // the first 12 floats as a (3, 4) matrix
    Tensor mv = m.view(Shape{4, 3});
    print_row("m (3, 4), row 0:         ", &m.at({0, 0}), 4);
    print_row("m.view((4, 3)), row 0:   ", &mv.at({0, 0}), 3);
    const float col0[3] = {m.at({0, 0}), m.at({1, 0}), m.at({2, 0})};
    print_row("transpose of m, row 0:   ", col0, 3);

    // 3. Checks ---------------------------------------------------------------------------------
    fmt::print("\n3. A failed check throws glulab::Error\n");
    show_error("x.view((5, 5))", [&] { x.view(Shape{5, 5}); });
    show_error("x.at({2, 0, 0})", [&] { x.at({2, 0, 0}); });
    show_error("our own GLULAB_CHECK", [&] {
        const int heads = 3;
        GLULAB_CHECK(x.cols() % heads == 0, "choose heads that divide C",
                     "C = {} does not split into {} heads", x.cols(), heads);
    });

    // 4. The arena -----------------------------------------------------------------------------
    fmt::print("\n4. The arena: bump allocation, one reset\n");
    Arena arena(1024);  // blocks of 1024 floats (glulab's tapes use 1 Mi floats = 4 MiB)
    const size_t sizes[3] = {100, 300, 700};
    std::vector<float*> first, second;
    auto report = [&](const char* what) {
        fmt::print("  {:<12} used {:4} floats, capacity {:4}, blocks {}\n", what,
                   arena.used_floats(), arena.capacity_floats(), arena.block_count());
    };
    fmt::print("step 1:\n");
    for (size_t n : sizes) {
        first.push_back(arena.alloc(n));
        report(fmt::format("alloc({})", n).c_str());
    }
    arena.reset();
    report("reset()");
    fmt::print("step 2, the same requests:\n");
    for (size_t n : sizes) second.push_back(arena.alloc(n));
    report("after 3");
    fmt::print("  same addresses as step 1: {}\n", first == second ? "yes" : "no");
    bool aligned = true;
    for (float* p : first) aligned = aligned && reinterpret_cast<uintptr_t>(p) % 64 == 0;
    fmt::print("  every pointer 64-byte aligned: {}\n", aligned ? "yes" : "no");

    // 5. The tape's arena ----------------------------------------------------------------------
    fmt::print("\n5. The tape's arena over three steps of the same computation\n");
    std::vector<float> w_mem(16 * 8, 0.01f), w_grad(w_mem.size(), 0.0f), in_mem(4 * 8, 1.0f);
    Tensor w{w_mem.data(), w_grad.data(), Shape{16, 8}};  // like a parameter: it has a grad
    Tensor in{in_mem.data(), nullptr, Shape{4, 8}};       // like a batch: no grad
    Tape tape;
    fmt::print("  before:  arena capacity {}, blocks {}\n", tape.arena().capacity_floats(),
               tape.arena().block_count());
    for (int step = 1; step <= 3; step++) {
        tape.reset();
        Tensor loss = mean(tape, relu(tape, linear(tape, in, w)));
        tape.backward(loss);
        fmt::print("  step {}: {} nodes, arena used {} floats, capacity {}, blocks {}\n", step,
                   tape.nodes().size(), tape.arena().used_floats(), tape.arena().capacity_floats(),
                   tape.arena().block_count());
    }

    // 6. The parameter store ------------------------------------------------------------------
    fmt::print("\n6. Parameters: named slices of one flat array\n");
    ParamStore ps;
    Tensor weight, bias;
    auto declare = [&] {
        weight = ps.add("layer.weight", Shape{4, 3}, /*decay=*/true);
        bias = ps.add("layer.bias", Shape{4}, /*decay=*/false);
    };
    declare();        // pass 1: names, shapes, offsets
    ps.allocate();    // four flat arrays: data, grad, adam m, adam v
    declare();        // pass 2: views into them
    ps.finish_binding();
    for (const ParamEntry& e : ps.entries())
        fmt::print("  {:<13} shape {:<7} offset {:2}  numel {:2}\n", e.name, e.shape, e.offset,
                   e.shape.numel());
    fmt::print("  total {} floats; bias.data - ps.data() = {}; zero_grad() is one fill\n",
               ps.size(), bias.data - ps.data());
    return 0;
}
