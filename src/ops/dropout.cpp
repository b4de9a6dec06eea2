// dropout.cpp — inverted dropout with a counter-based random number per element.
//
// Contains: dropout_forward, dropout_backward, and random_at, which draws the mask. Leaves out:
// dropout of whole rows or heads, and turning dropout off at evaluation (the caller passes p = 0,
// or does not call it: see the model).
//
// Lesson 12 · training
#include "glulab/ops/ops.hpp"

#include "glulab/platform/check.hpp"
#include "glulab/platform/rng.hpp"
#include "glulab/platform/parallel_rows.hpp"

namespace glulab {

namespace {
// The i-th number of the splitmix64 sequence that starts at `seed` (rng.hpp), computed directly:
// after i steps splitmix64's state is seed + i * 0x9E3779B97F4A7C15, so an Rng started there
// returns number i next. A generator shared by the threads would hand out numbers in whatever
// order the threads ask; a function of (seed, i) gives element i the same number on any number
// of threads, so a run is reproducible.
uint64_t random_at(uint64_t seed, uint64_t i) {
    return Rng(seed + i * 0x9E3779B97F4A7C15ull).next_u64();
}
}  // namespace

// dropout
// -------
// During training each element is zeroed with probability p; the survivors are scaled by
// 1 / (1 - p) so that the expected output equals the input, and evaluation needs no rescaling:
//
//     u_i    = top 24 bits of random_at(seed, first + i) / 2^24   uniform in [0, 1)
//     mask_i = (u_i >= p) ? 1 / (1 - p) : 0                       (n)   cached for backward
//     out_i  = x_i * mask_i                                       (n)
//
// Backward: out is linear in x with slope mask, so
//
//     dx_i += dout_i * mask_i                                     (n)
//
// Callers pass a new seed for every call (step and layer), or every step drops the same units.
// `first` is the index of x[0] in the tensor the mask is drawn for: 0 for a whole batch, and
// r (B/N) T C for rank r's rows of a (B, T, C) batch (data_parallel.hpp), so that N ranks drop
// exactly the units one process drops.
void dropout_forward(float* out, float* mask, const float* x, int64_t n, float p, uint64_t seed,
                     int64_t first) {
    GLULAB_CHECK(p >= 0.0f && p < 1.0f, "dropout takes 0 <= p < 1", "dropout: p = {}", p);
    const float keep_scale = 1.0f / (1.0f - p);
    parallel_rows(n, n > min_parallel, [=](int64_t i) {  // a "row" of one element
        const uint64_t r = random_at(seed, static_cast<uint64_t>(first + i));
        const float u = static_cast<float>(r >> 40) * (1.0f / 16777216.0f);  // 2^24
        mask[i] = u >= p ? keep_scale : 0.0f;
        out[i] = x[i] * mask[i];
    });
}

void dropout_backward(float* dx, const float* dout, const float* mask, int64_t n) {
    if (!dx) return;
    parallel_elements(n, n > min_parallel, [=](int64_t i) { dx[i] += dout[i] * mask[i]; });
}

}  // namespace glulab
