// softmax.cpp — row-wise softmax, and cross-entropy fused with its log-softmax.
//
// Contains: row_max and softmax_row (one row, shared with attention.cpp's masked rows),
// softmax_forward/backward and cross_entropy_forward/backward. Leaves out: the causal mask,
// which lives in attention.cpp; label smoothing.
//
// Lesson 09 · softmax and cross-entropy
#include "glulab/ops/ops.hpp"

#include "glulab/platform/check.hpp"
#include "act_scalar.hpp"
#include "glulab/platform/parallel_rows.hpp"

#include <array>
#include <cmath>

namespace glulab {

// softmax_row
// -----------
// The one row loop that softmax, cross-entropy and attention's masked rows all use.
// The maximum is the same whatever the order it is taken in, so `simd` changes no bit.
float row_max(const float* x, int C) {
    float mx = x[0];
#pragma omp simd reduction(max : mx)
    for (int j = 1; j < C; j++) mx = x[j] > mx ? x[j] : mx;
    return mx;
}

// One row: out = softmax(x) over C values, given mx = max_j x_j (out may be x). Subtracting the maximum first
// changes nothing mathematically (the factor e^-max cancels) but keeps every exponent <= 0, so
// e^x cannot overflow even for x = 1e30. Returns the normaliser sum_j e^(x_j - max), which is
// at least 1 (the maximum contributes e^0).
//
// The exp loop is `omp simd`: with the `declare simd` expf of act_scalar.hpp it calls glibc's
// vector expf (8 floats per AVX2 call) instead of one scalar call per entry (tests/test_ops.cpp
// holds the row to a double-precision softmax). The sum stays a plain loop in index order:
// summed in 8 partial sums, the last bits changed enough to move make crosscheck's reglu AdamW
// trajectory past its tolerance (ReLU's kinks amplify them). Training's attention and
// cross-entropy and the sampler's cached attention all come here.
float softmax_row(float* out, const float* x, int C, float mx) {
#pragma omp simd
    for (int j = 0; j < C; j++) out[j] = std::exp(x[j] - mx);
    float sum = 0.0f;
    for (int j = 0; j < C; j++) sum += out[j];
    const float inv = 1.0f / sum;
    for (int j = 0; j < C; j++) out[j] *= inv;
    return sum;
}

// softmax
// -------
// For each row x (C) of x (N, C):
//
//     out_j = e^(x_j - max) / sum_k e^(x_k - max)                    (N, C)
//
// Backward: d out_j / d x_i = out_j (delta_ij - out_i), so for one row
//
//     dx_i += out_i * (dout_i - sum_j dout_j out_j)                   (N, C)
//
// Only the output is needed, not x: the glue saves nothing extra.
void softmax_forward(float* out, const float* x, int64_t N, int C) {
    parallel_rows(N, N * C > min_parallel,
                  [=](int64_t i) { softmax_row(out + i * C, x + i * C, C, row_max(x + i * C, C)); });
}

void softmax_backward(float* dx, const float* dout, const float* out, int64_t N, int C) {
    if (!dx) return;
    parallel_rows(N, N * C > min_parallel, [=](int64_t i) {
        const float* oi = out + i * C;
        const float* di = dout + i * C;
        float dot = 0.0f;
        for (int j = 0; j < C; j++) dot += di[j] * oi[j];
        float* dxi = dx + i * C;
        for (int j = 0; j < C; j++) dxi[j] += oi[j] * (di[j] - dot);
    });
}

// cross_entropy
// -------------
// For logits (N, V) and one target id t per row, the loss is the mean negative log-probability
// of the targets. Computed from the logits directly, never as log(softmax), so a tiny
// probability cannot round to 0 and give log(0) = -inf:
//
//     log p_t = x_t - log(sum_j e^x_j) = x_t - max - log(sum_j e^(x_j - max))
//     loss    = -(1/N) sum_rows log p_t                              (1)
//     probs   = softmax(x)                                           (N, V), kept for backward
//
// Backward: the softmax Jacobian and the log cancel to a famously simple result,
//
//     dlogits_j += dloss * (p_j - [j == t]) / N                       (N, V)
//
// The row losses are summed in double, in 64 fixed chunks of rows added in order (as
// optim.cpp → grad_norm does), so the loss is the same to the bit at any number of threads.
float cross_entropy_forward(float* probs, const float* logits, const int* targets, int64_t N,
                            int V) {
    // Checked before the parallel loop: an exception must not leave an OpenMP region.
    for (int64_t i = 0; i < N; i++)
        GLULAB_CHECK(targets[i] >= 0 && targets[i] < V,
                     "targets are token ids, so each must be below the vocabulary size",
                     "cross_entropy: target {} in row {} is outside [0, V={})", targets[i], i, V);
    std::array<double, 64> partial{};
    const int64_t chunks = static_cast<int64_t>(partial.size());
    double* sums = partial.data();
    parallel_rows(chunks, N * V > min_parallel, [=](int64_t c) {
        double sum = 0.0;
        for (int64_t i = N * c / chunks; i < N * (c + 1) / chunks; i++) {
            const float* xi = logits + i * V;
            float* pi = probs + i * V;
            const float mx = row_max(xi, V);
            const float z = softmax_row(pi, xi, V, mx);
            sum += std::log(static_cast<double>(z)) + (mx - xi[targets[i]]);  // -log p_t
        }
        sums[c] = sum;
    });
    double total = 0.0;
    for (double p : partial) total += p;
    return N ? static_cast<float>(total / static_cast<double>(N)) : 0.0f;
}

void cross_entropy_backward(float* dlogits, float dloss, const float* probs, const int* targets,
                            int64_t N, int V) {
    if (!dlogits || N == 0) return;
    const float s = dloss / static_cast<float>(N);
    parallel_rows(N, N * V > min_parallel, [=](int64_t i) {
        const float* pi = probs + i * V;
        float* di = dlogits + i * V;
        for (int j = 0; j < V; j++) di[j] += s * pi[j];
        di[targets[i]] -= s;
    });
}

}  // namespace glulab
