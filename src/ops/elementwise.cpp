// elementwise.cpp — add, add_bias, mul, scale, sum and mean, forward and backward.
//
// Contains: the simplest ops, each a forward/backward pair. They are the micrograd lesson on
// arrays: every backward pushes dout to its inputs with +=, and skips an input whose d-array is
// null. Leaves out: broadcasting beyond a bias over rows (the model needs no more).
//
// Lesson 03 · the tape
#include "glulab/ops/ops.hpp"

#include "glulab/platform/parallel_rows.hpp"

namespace glulab {

// Every loop is `simd`: at -O2 GCC vectorises only loops it can prove safe cheaply, and an
// output that might overlap an input (out, a and b are plain pointers) keeps these scalar,
// 8 times the instructions on AVX2. `simd` promises what holds here: each element is computed
// alone, from the same index of the inputs, so the results are the same to the bit. Every
// loop is parallel_elements (parallel_rows.hpp): threads only above min_parallel elements.

// add
// ---
//     out = a + b              (n)
//     da += dout, db += dout   (n)
void add_forward(float* out, const float* a, const float* b, int64_t n) {
    parallel_elements(n, n > min_parallel, [=](int64_t i) { out[i] = a[i] + b[i]; });
}

void add_backward(float* da, float* db, const float* dout, int64_t n) {
    const bool parallel = n > min_parallel;
    if (da && db) {  // the usual case (the residual stream): one parallel region, one pass
        parallel_elements(n, parallel, [=](int64_t i) {
            da[i] += dout[i];
            db[i] += dout[i];
        });
        return;
    }
    if (da) parallel_elements(n, parallel, [=](int64_t i) { da[i] += dout[i]; });
    if (db) parallel_elements(n, parallel, [=](int64_t i) { db[i] += dout[i]; });
}

// add_bias
// --------
//     out (N, C) = x (N, C) + bias (C)       the same bias added to every row
//     dx    += dout                          (N, C)
//     dbias += sum over rows of dout         (C)
// bias was used N times, so its gradient is the sum of the N row gradients.
void add_bias_forward(float* out, const float* x, const float* bias, int64_t N, int C) {
    parallel_rows(N, N * C > min_parallel, [=](int64_t i) {
#pragma omp simd
        for (int c = 0; c < C; c++) out[i * C + c] = x[i * C + c] + bias[c];
    });
}

void add_bias_backward(float* dx, float* dbias, const float* dout, int64_t N, int C) {
    if (dx) add_backward(dx, nullptr, dout, N * C);
    if (dbias) {
        // Serial over rows: rows split across threads would race on dbias.
        for (int64_t i = 0; i < N; i++)
#pragma omp simd
            for (int c = 0; c < C; c++) dbias[c] += dout[i * C + c];
    }
}

// mul
// ---
//     out = a * b                              (n), elementwise
//     da += dout * b, db += dout * a           (n)
void mul_forward(float* out, const float* a, const float* b, int64_t n) {
    parallel_elements(n, n > min_parallel, [=](int64_t i) { out[i] = a[i] * b[i]; });
}

void mul_backward(float* da, float* db, const float* dout, const float* a, const float* b,
                  int64_t n) {
    const bool parallel = n > min_parallel;
    if (da) parallel_elements(n, parallel, [=](int64_t i) { da[i] += dout[i] * b[i]; });
    if (db) parallel_elements(n, parallel, [=](int64_t i) { db[i] += dout[i] * a[i]; });
}

// scale
// -----
//     out = s x,  dx += s dout                 (n), s a constant
void scale_forward(float* out, const float* x, float s, int64_t n) {
    parallel_elements(n, n > min_parallel, [=](int64_t i) { out[i] = s * x[i]; });
}

void scale_backward(float* dx, const float* dout, float s, int64_t n) {
    if (!dx) return;
    parallel_elements(n, n > min_parallel, [=](int64_t i) { dx[i] += s * dout[i]; });
}

// sum, mean
// ---------
//     out (1) = sum_i x_i                      dx_i += dout
//     out (1) = sum_i x_i / n                  dx_i += dout / n
// The sum runs in double, in index order, on one thread: a float accumulator loses the small
// terms once the total is large, and a fixed order gives the same bits on every run.
void sum_forward(float* out, const float* x, int64_t n) {
    double acc = 0.0;
    for (int64_t i = 0; i < n; i++) acc += x[i];
    out[0] = static_cast<float>(acc);
}

void sum_backward(float* dx, const float* dout, int64_t n) {
    if (!dx) return;
    const float d = dout[0];
    parallel_elements(n, n > min_parallel, [=](int64_t i) { dx[i] += d; });
}

void mean_forward(float* out, const float* x, int64_t n) {
    double acc = 0.0;
    for (int64_t i = 0; i < n; i++) acc += x[i];
    out[0] = n ? static_cast<float>(acc / static_cast<double>(n)) : 0.0f;
}

void mean_backward(float* dx, const float* dout, int64_t n) {
    if (!dx || n == 0) return;
    const float d = dout[0] / static_cast<float>(n);
    parallel_elements(n, n > min_parallel, [=](int64_t i) { dx[i] += d; });
}

}  // namespace glulab
