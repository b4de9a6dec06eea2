// tensor.hpp — Shape and Tensor: float32, row-major, contiguous, rank 1 to 4.
//
// A Tensor does not own memory. It is a view: a pointer to its values, a pointer to its
// gradient (null when nothing needs it) and a shape. The memory lives in an arena: parameters
// in the ParamStore (params.hpp), activations in the Tape's arena (tape.hpp). That is why a
// Tensor is cheap to copy and why creating one never calls `new`.
//
// Shape letters used on every argument and field in glulab (conventions.md):
//   B batch, T time (context), C channels (d_model), H FFN hidden (d_ff),
//   V vocabulary, NH attention heads, HS head size (C / NH), N rows (= B*T when flattened).
// Row-major means the last index runs fastest: element (b, t, c) of a (B, T, C) tensor sits at
// b*T*C + t*C + c.
//
// Lesson 02 · tensors, shapes and memory
#pragma once

#include "glulab/platform/check.hpp"

#include <fmt/format.h>  // the Shape formatter below takes widths ("{:<7}"), as fmt's string formatter

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace glulab {

// Shape
// -----
// Up to four dimensions. `rows()` and `cols()` view any tensor as a matrix (all leading
// dimensions folded into rows), which is how most ops see their inputs.
struct Shape {
    std::array<int, 4> dims{};
    int rank = 0;

    Shape() = default;
    Shape(std::initializer_list<int> ds);

    int operator[](int i) const { return dims[static_cast<size_t>(i)]; }
    int64_t numel() const;
    int cols() const { return rank ? dims[static_cast<size_t>(rank - 1)] : 1; }
    int64_t rows() const { return cols() ? numel() / cols() : 0; }
    bool operator==(const Shape& o) const;
    std::string str() const;  // "(4, 64, 128)"
};

// Tensor
// ------
// `data` holds numel() floats; `grad`, when not null, holds as many. A tensor "requires grad"
// exactly when it has a gradient buffer: parameters always do, activations do while the tape
// records (tape.hpp).
//
// An activation lives only until its tape's reset(): after that the arena hands its memory to
// the next step's tensors, and reading the old Tensor silently reads their values. A build with
// GLULAB_DEBUG defined (`make DEBUG=1`) catches that: each Tensor made by a Tape remembers the
// arena's generation (arena.hpp), and check_live() throws once the arena has been reset. at(),
// view(), every autograd op and Tape::backward call it. Without GLULAB_DEBUG the two fields do
// not exist and check_live() is empty, so a release build pays nothing. Every file of a program
// must be built the same way (the fields change the struct's layout): `make DEBUG=1` builds all
// of glulab into build/debug/.
struct Tensor {
    float* data = nullptr;
    float* grad = nullptr;
    Shape shape;
#ifdef GLULAB_DEBUG
    const uint64_t* arena_generation = nullptr;  // the arena's reset count; null: not an activation
    uint64_t generation = 0;                     // its value when this tensor was made
#endif

    // Throws glulab::Error if this tensor's arena was reset since it was made (GLULAB_DEBUG
    // builds only; a no-op otherwise).
    void check_live() const {
#ifdef GLULAB_DEBUG
        GLULAB_CHECK(arena_generation == nullptr || *arena_generation == generation,
                     "keep what you need from a step (copy it out, or read it) before tape.reset()",
                     "a tensor of shape {} is read after its tape was reset: its memory now holds "
                     "newer values",
                     shape.str());
#endif
    }

    int64_t numel() const { return shape.numel(); }
    int64_t rows() const { return shape.rows(); }
    int cols() const { return shape.cols(); }
    bool requires_grad() const { return grad != nullptr; }
    // The same memory seen with another shape of the same size ((B, T, C) as (B*T, C)).
    Tensor view(Shape s) const;
    // Element access for tests and small tools (bounds-checked, not for hot loops).
    float& at(std::initializer_list<int> index) const;
};

}  // namespace glulab

// fmt prints a Shape as "(4, 64, 128)".
template <>
struct fmt::formatter<glulab::Shape> : fmt::formatter<std::string> {
    auto format(const glulab::Shape& s, fmt::format_context& ctx) const {
        return fmt::formatter<std::string>::format(s.str(), ctx);
    }
};
