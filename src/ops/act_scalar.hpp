// act_scalar.hpp — every activation function and its derivative, on one float.
//
// Private to src/ops: activations.cpp loops these over arrays, glu.cpp applies them to the gate.
// Writing each formula once, here, keeps the two files from drifting apart. Contains the scalar
// functions, the activation table they are listed in, and what reads it: act_value,
// act_derivative and dispatch_act; leaves out the array loops.
//
// Lesson 06 · activations
#pragma once

#include "glulab/ops/ops.hpp"

#include <cmath>
#include <iterator>
#include <type_traits>
#include <utility>

// Vector math
// -----------
// glibc ships SIMD versions of expf, erff and tanhf (libmvec: 16 floats per AVX-512 call).
// Declaring them `omp declare simd` lets the compiler call those from the `omp simd` loops of
// activations.cpp, glu.cpp and softmax.cpp's softmax_row instead of one scalar call per
// element, with -fno-math-errno (Makefile); docs/performance.md → "Measurements behind the
// kernels' choices" gives what it saves. Results stay within a few ulp of the scalar functions
// (gradcheck and the PyTorch cross-check run on this build).
extern "C" {
#pragma omp declare simd notinbranch
float expf(float) noexcept;
#pragma omp declare simd notinbranch
float erff(float) noexcept;
#pragma omp declare simd notinbranch
float tanhf(float) noexcept;
}

namespace glulab {

// relu
// ----
//     relu(x) = max(x, 0)        relu'(x) = 1 if x > 0, else 0
// The derivative at exactly 0 does not exist; we use 0 there (as PyTorch does).
inline float relu_value(float x) { return x > 0.0f ? x : 0.0f; }
inline float relu_derivative(float x) { return x > 0.0f ? 1.0f : 0.0f; }

// sigmoid
// -------
//     s(x) = 1 / (1 + e^-x)      s'(x) = s(x) (1 - s(x))
// Stable for large |x|: with z = e^-|x| (always in (0, 1], never overflows),
// s(x) = 1 / (1 + z) for x >= 0 and z / (1 + z) for x < 0. The second form keeps tiny values
// such as s(-80) = 1.8e-35 instead of computing 1 - (a number that rounds to 1) = 0.
// The branch picks only the numerator and the one division always runs: the same values as
// `x >= 0 ? 1 / (1 + z) : z / (1 + z)`, but with no division on one side of a branch, which
// the compiler may not run speculatively for all lanes and so could not vectorise for AVX2.
inline float sigmoid_value(float x) {
    const float z = std::exp(-std::fabs(x));
    const float numerator = x >= 0.0f ? 1.0f : z;
    return numerator / (1.0f + z);
}
inline float sigmoid_derivative_given(float s) { return s * (1.0f - s); }  // s = s(x)
inline float sigmoid_derivative(float x) { return sigmoid_derivative_given(sigmoid_value(x)); }

// silu (swish)
// ------------
//     silu(x) = x s(x)           silu'(x) = s(x) + x s(x) (1 - s(x)) = s(x) (1 + x (1 - s(x)))
inline float silu_value(float x) { return x * sigmoid_value(x); }
// s = s(x), computed once by a caller that needs both silu and silu' (act_value_and_derivative)
inline float silu_derivative_given(float x, float s) { return s * (1.0f + x * (1.0f - s)); }
inline float silu_derivative(float x) { return silu_derivative_given(x, sigmoid_value(x)); }

// gelu (exact)
// ------------
// With Phi the standard normal CDF and phi its density:
//     gelu(x) = x Phi(x) = x * 0.5 * (1 + erf(x / sqrt(2)))
//     gelu'(x) = Phi(x) + x phi(x),        phi(x) = e^(-x^2 / 2) / sqrt(2 pi)
inline float gelu_value(float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678f)); }
inline float gelu_derivative(float x) {
    const float cdf = 0.5f * (1.0f + std::erf(x * 0.70710678f));
    const float pdf = 0.39894228f * std::exp(-0.5f * x * x);  // 0.3989... = 1 / sqrt(2 pi)
    return cdf + x * pdf;
}

// gelu_tanh (the tanh approximation of GPT-2)
// -------------------------------------------
//     u = sqrt(2 / pi) (x + 0.044715 x^3)
//     gelu_tanh(x) = 0.5 x (1 + tanh(u))
//     gelu_tanh'(x) = 0.5 (1 + tanh(u)) + 0.5 x (1 - tanh(u)^2) sqrt(2 / pi) (1 + 3 * 0.044715 x^2)
inline float gelu_tanh_value(float x) {
    const float u = 0.79788456f * (x + 0.044715f * x * x * x);  // 0.7978... = sqrt(2 / pi)
    return 0.5f * x * (1.0f + std::tanh(u));
}
inline float gelu_tanh_derivative(float x) {
    const float u = 0.79788456f * (x + 0.044715f * x * x * x);
    const float t = std::tanh(u);
    const float du = 0.79788456f * (1.0f + 3.0f * 0.044715f * x * x);
    return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * du;
}

// identity
// --------
//     identity(x) = x            identity'(x) = 1          (the Bilinear GLU variant's "act")
inline float identity_value(float x) { return x; }
inline float identity_derivative(float) { return 1.0f; }

// The activation table
// --------------------
// One row per activation, in the order of `enum class Act` (ops.hpp; the static_assert below
// keeps it so): its name and its two scalar functions. Everything else follows from it:
// act_name prints the name, act_value<A> / act_derivative<A> read the functions, and
// dispatch_act walks the rows. Adding an activation is a name in the enum, its two functions
// above and one row here (docs/extending.md).
struct ActRow {
    Act act;
    const char* name;             // "silu": the op's name on the tape, in listings and tests
    float (*value)(float);        // f(x)
    float (*derivative)(float);   // f'(x)
};
inline constexpr ActRow act_table[] = {
    {Act::identity, "identity", identity_value, identity_derivative},
    {Act::relu, "relu", relu_value, relu_derivative},
    {Act::gelu, "gelu", gelu_value, gelu_derivative},
    {Act::gelu_tanh, "gelu_tanh", gelu_tanh_value, gelu_tanh_derivative},
    {Act::sigmoid, "sigmoid", sigmoid_value, sigmoid_derivative},
    {Act::silu, "silu", silu_value, silu_derivative},
};
inline constexpr size_t act_count = std::size(act_table);

constexpr bool act_table_in_enum_order() {
    for (size_t i = 0; i < act_count; i++)
        if (act_table[i].act != static_cast<Act>(i)) return false;
    return true;
}
static_assert(act_table_in_enum_order(), "act_table must list the Acts in the enum's order");

// f(x) and f'(x) of activation A, known at compile time: a row's function pointer is a constant
// here, so the call is direct and inlined into the loop that makes it.
template <Act A>
inline float act_value(float x) {
    constexpr auto f = act_table[static_cast<size_t>(A)].value;
    return f(x);
}
template <Act A>
inline float act_derivative(float x) {
    constexpr auto f = act_table[static_cast<size_t>(A)].derivative;
    return f(x);
}

// Compile-time dispatch
// ---------------------
// `dispatch_act(act, f)` calls f with a tag whose `value` is `act` as a constant, so a loop
// written once is compiled once per activation with the activation inlined into it (and
// vectorised), instead of switching on `act` for every element:
//
//     dispatch_act(act, [=](auto tag) { loop<tag.value>(out, x, n); });
//
// It tries each row of act_table in turn (a fold over the rows' indices): the one whose `act`
// matches calls f. A new row is dispatched with no edit here.
template <Act A>
using ActTag = std::integral_constant<Act, A>;

template <class F, size_t... I>
void dispatch_act_rows(Act act, F& f, std::index_sequence<I...>) {
    (void)((act == act_table[I].act ? (f(ActTag<act_table[I].act>{}), true) : false) || ...);
}

template <class F>
void dispatch_act(Act act, F&& f) {
    dispatch_act_rows(act, f, std::make_index_sequence<act_count>{});
}

// act_value_and_derivative
// ------------------------
// Both at once, for a backward that needs f(x) and f'(x) of the same x (glu_backward_loop):
// sigmoid and silu compute s(x), so one exp, once for the two. The values are those of
// act_value and act_derivative to the bit. Written apart, the two calls stay two: GCC does
// not merge two calls of the vector expf, so glu's backward made two per 8 elements.
// The other activations return the two functions as they are.
struct ActPair {
    float value, derivative;
};
template <Act A>
inline ActPair act_value_and_derivative(float x) {
    if constexpr (A == Act::sigmoid) {
        const float s = sigmoid_value(x);
        return {s, sigmoid_derivative_given(s)};
    } else if constexpr (A == Act::silu) {
        const float s = sigmoid_value(x);
        return {x * s, silu_derivative_given(x, s)};
    } else {
        return {act_value<A>(x), act_derivative<A>(x)};
    }
}

}  // namespace glulab
