// attention.cpp — causal multi-head self-attention, forward and backward.
//
// Contains: attention_forward, attention_backward (blocked by rows, causal, on gemm),
// attention_score_count, attention_scratch_floats, their plain reference attention_naive_forward
// and attention_naive_backward, and attention_cached_forward for sampling. The projections that
// make qkv from x and the one that follows are linear layers of the model; this file is only
// the part between them. Leaves out: flash-attention style tiling with an online softmax (we
// keep the probabilities below the diagonal), rotary position embeddings.
//
// Lesson 10 · embeddings and attention
#include "glulab/ops/ops.hpp"

#include <algorithm>
#include <cmath>

namespace glulab {

// attention
// ---------
// qkv (B, T, 3C) holds, for every token, its query, key and value side by side: q in channels
// [0, C), k in [C, 2C), v in [2C, 3C). Head h uses the HS = C / NH channels [h*HS, (h+1)*HS) of
// each. For one (b, h) pair, q, k and v are (T, HS) matrices with row stride 3C, read in place.
//
//     S = q k^T / sqrt(HS)                                   (T, T)  scores
//     P = softmax over j <= i of S_ij, P_ij = 0 for j > i    (T, T)  cached as probs (B, NH, T, T)
//     o = P v                                                (T, HS) written to out (B, T, C),
//                                                                    channels [h*HS, (h+1)*HS)
//
// The causal mask: token i may look at tokens 0..i only, so nothing it computes depends on the
// future. Row i of the softmax runs over j <= i and its maximum is subtracted first
// (src/ops/softmax.cpp → softmax_row).
//
// Backward, per (b, h), with dO the (T, HS) slice of dout:
//
//     dP = dO v^T                                 (T, T)
//     dv += P^T dO                                (T, HS)
//     dS = P * (dP - rowsum(dP * P))              (T, T)   softmax backward, row by row;
//                                                          0 where masked, since P is 0 there
//     dq += dS k / sqrt(HS)                       (T, HS)
//     dk += dS^T q / sqrt(HS)                     (T, HS)
//
// Each (b, h) reads and writes only its own slices of qkv, dqkv, out and probs, so the loop
// over the B*NH pairs runs in parallel without races. Inside it gemm sees an active parallel
// region and does not split again.
//
// Blocked by rows, causal
// -----------------------
// Half of S is masked, so computing all of it and overwriting the future wastes half the work
// of both products. attention_forward and attention_backward take the rows of S in blocks of
// attention_block_rows, [i0, i1): those rows look at keys 0 .. i1-1 only, so each block is one
// gemm of (i1 - i0) rows by i1 columns, and the (T, T) square's blocks wholly above the
// diagonal are never computed, read or written. Only the diagonal block's upper triangle is
// computed and masked. Per block, with r the rows [i0, i1) and c the columns [0, i1):
//
//     S_rc  = q_r k_c^T / sqrt(HS)      P_rc = causal softmax of S_rc      o_r = P_rc v_c
//     dP_rc = dO_r v_c^T                dv_c += P_rc^T dO_r                dS_rc from dP_rc, P_rc
//     dq_r += dS_rc k_c / sqrt(HS)      dk_c += dS_rc^T q_r / sqrt(HS)
//
// That is the backward above, restricted to the columns that are not masked: the masked
// entries of P and dS are 0 and add nothing. attention_score_count(T) is the number of scores
// per (b, h) this computes (3/4 of T*T at T = 64, 9/16 at T = 256); `glulab bench` counts the
// matrix-product FLOPs with it. `scratch` holds dP (turned into dS in place) for one block of
// rows per pair: it is reused block after block, so it stays in cache.
//
// attention_naive_forward / attention_naive_backward are the plain form beside it: the whole
// (T, T) square per (b, h), then masked. tests/test_ops.cpp holds the two to each other.
namespace {
// Rows of S per block. Smaller blocks skip more of the masked half but make more, smaller
// gemm calls; 32 skips 1/4 of the square at T = 64 and 7/16 at T = 256 (see
// docs/performance.md → "Attention on sgemm, blocked and causal").
constexpr int attention_block_rows = 32;

// One row of scores (width entries) becomes probabilities over its first `seen` entries (the
// positions this query may look at); the rest, the future, is 0.
void causal_softmax_row(float* row, int seen, int width) {
    softmax_row(row, row, seen, row_max(row, seen));
    std::fill(row + seen, row + width, 0.0f);  // the future is masked
}

// dS = P * (dP - rowsum(dP * P)) for one row, in place over dP; 0 beyond `seen`, like P.
void causal_softmax_backward_row(float* d, const float* p, int seen, int width) {
    float dot = 0.0f;
    for (int j = 0; j < seen; j++) dot += d[j] * p[j];  // in order: a vector sum would round differently
#pragma omp simd
    for (int j = 0; j < seen; j++) d[j] = p[j] * (d[j] - dot);
    std::fill(d + seen, d + width, 0.0f);
}
}  // namespace

int64_t attention_score_count(int T) {
    int64_t n = 0;
    for (int i0 = 0; i0 < T; i0 += attention_block_rows)
        n += int64_t{std::min(attention_block_rows, T - i0)} * std::min(i0 + attention_block_rows, T);
    return n;
}

int64_t attention_scratch_floats(int B, int T, int NH) {
    return int64_t{B} * NH * std::min(attention_block_rows, T) * T;
}

void attention_forward(float* out, float* probs, const float* qkv, int B, int T, int C, int NH) {
    const int HS = C / NH;
    const float scale = 1.0f / std::sqrt(static_cast<float>(HS));
#pragma omp parallel for
    for (int bh = 0; bh < B * NH; bh++) {
        const int b = bh / NH, h = bh % NH;
        const float* q = qkv + int64_t{b} * T * 3 * C + h * HS;
        const float* k = q + C;
        const float* v = q + 2 * C;
        float* o = out + int64_t{b} * T * C + h * HS;  // this head's channels of out
        float* P = probs + int64_t{bh} * T * T;
        for (int i0 = 0; i0 < T; i0 += attention_block_rows) {
            const int rows = std::min(attention_block_rows, T - i0), i1 = i0 + rows;
            float* P_r = P + int64_t{i0} * T;
            // S_rc = scale * q_r k_c^T, with the 1/sqrt(HS) passed to gemm as alpha.
            gemm(false, true, rows, i1, HS, scale, q + int64_t{i0} * 3 * C, 3 * C, k, 3 * C, 0.0f,
                 P_r, T);
            for (int i = 0; i < rows; i++) causal_softmax_row(P_r + int64_t{i} * T, i0 + i + 1, i1);
            gemm(false, false, rows, HS, i1, 1.0f, P_r, T, v, 3 * C, 0.0f, o + int64_t{i0} * C, C);
        }
    }
}

void attention_backward(float* dqkv, float* scratch, const float* dout, const float* qkv,
                        const float* probs, int B, int T, int C, int NH) {
    if (!dqkv) return;
    const int HS = C / NH;
    const float scale = 1.0f / std::sqrt(static_cast<float>(HS));
    const int block = std::min(attention_block_rows, T);
#pragma omp parallel for
    for (int bh = 0; bh < B * NH; bh++) {
        const int b = bh / NH, h = bh % NH;
        const int64_t at = int64_t{b} * T * 3 * C + h * HS;  // this head's q in qkv and dqkv
        const float *q = qkv + at, *k = q + C, *v = q + 2 * C;
        float *dq = dqkv + at, *dk = dq + C, *dv = dq + 2 * C;
        const float* dO = dout + int64_t{b} * T * C + h * HS;
        const float* P = probs + int64_t{bh} * T * T;
        float* dS = scratch + int64_t{bh} * block * T;  // one block of rows, reused
        for (int i0 = 0; i0 < T; i0 += attention_block_rows) {
            const int rows = std::min(attention_block_rows, T - i0), i1 = i0 + rows;
            const float* P_r = P + int64_t{i0} * T;
            const float* dO_r = dO + int64_t{i0} * C;
            gemm(false, true, rows, i1, HS, 1.0f, dO_r, C, v, 3 * C, 0.0f, dS, T);  // dP = dO_r v_c^T
            gemm(true, false, i1, HS, rows, 1.0f, P_r, T, dO_r, C, 1.0f, dv, 3 * C);  // dv_c += P^T dO_r
            for (int i = 0; i < rows; i++)
                causal_softmax_backward_row(dS + int64_t{i} * T, P_r + int64_t{i} * T, i0 + i + 1, i1);
            gemm(false, false, rows, HS, i1, scale, dS, T, k, 3 * C, 1.0f, dq + int64_t{i0} * 3 * C,
                 3 * C);                                                           // dq_r += dS k_c
            gemm(true, false, i1, HS, rows, scale, dS, T, q + int64_t{i0} * 3 * C, 3 * C, 1.0f, dk,
                 3 * C);                                                           // dk_c += dS^T q_r
        }
    }
}

// attention_naive_forward / attention_naive_backward: the same math on the whole (T, T) square
// per (b, h), one gemm per product, the masked half computed and then overwritten. The blocked
// kernels above are tested against these. `scratch` holds attention_naive_scratch_floats: a
// full (T, T) dS per pair.
int64_t attention_naive_scratch_floats(int B, int T, int NH) { return int64_t{B} * NH * T * T; }

void attention_naive_forward(float* out, float* probs, const float* qkv, int B, int T, int C,
                             int NH) {
    const int HS = C / NH;
    const float scale = 1.0f / std::sqrt(static_cast<float>(HS));
    for (int bh = 0; bh < B * NH; bh++) {
        const int b = bh / NH, h = bh % NH;
        const float* q = qkv + int64_t{b} * T * 3 * C + h * HS;
        const float *k = q + C, *v = q + 2 * C;
        float* P = probs + int64_t{bh} * T * T;
        gemm(false, true, T, T, HS, scale, q, 3 * C, k, 3 * C, 0.0f, P, T);
        for (int i = 0; i < T; i++) causal_softmax_row(P + int64_t{i} * T, i + 1, T);
        gemm(false, false, T, HS, T, 1.0f, P, T, v, 3 * C, 0.0f, out + int64_t{b} * T * C + h * HS, C);
    }
}

void attention_naive_backward(float* dqkv, float* scratch, const float* dout, const float* qkv,
                              const float* probs, int B, int T, int C, int NH) {
    if (!dqkv) return;
    const int HS = C / NH;
    const float scale = 1.0f / std::sqrt(static_cast<float>(HS));
    for (int bh = 0; bh < B * NH; bh++) {
        const int b = bh / NH, h = bh % NH;
        const int64_t at = int64_t{b} * T * 3 * C + h * HS;
        const float *q = qkv + at, *k = q + C, *v = q + 2 * C;
        float *dq = dqkv + at, *dk = dq + C, *dv = dq + 2 * C;
        const float* dO = dout + int64_t{b} * T * C + h * HS;
        const float* P = probs + int64_t{bh} * T * T;
        float* dS = scratch + int64_t{bh} * T * T;
        gemm(false, true, T, T, HS, 1.0f, dO, C, v, 3 * C, 0.0f, dS, T);  // dP = dO v^T
        gemm(true, false, T, HS, T, 1.0f, P, T, dO, C, 1.0f, dv, 3 * C);  // dv += P^T dO
        for (int i = 0; i < T; i++)
            causal_softmax_backward_row(dS + int64_t{i} * T, P + int64_t{i} * T, i + 1, T);
        gemm(false, false, T, HS, T, scale, dS, T, k, 3 * C, 1.0f, dq, 3 * C);  // dq += dS k
        gemm(true, false, T, HS, T, scale, dS, T, q, 3 * C, 1.0f, dk, 3 * C);   // dk += dS^T q
    }
}

// attention_cached_forward
// ------------------------
// Generation adds one token at a time, and a token's key and value never change once computed
// (causal: they depend only on the tokens before it). So a sampler keeps them, per layer, in
// a cache kv (T, 2C): row j holds k_j in channels [0, C) and v_j in [C, 2C). The n new tokens
// at positions pos .. pos+n-1 come in as qkv (n, 3C); their k and v are copied into rows
// pos .. pos+n-1, and each new query attends to rows 0 .. its own position:
//
//     S = q k[0, pos+n)^T / sqrt(HS)      (n, pos+n)   per head
//     P = softmax over j <= pos + i       (n, pos+n)   row i is position pos + i
//     o = P v[0, pos+n)                   (n, HS)      into out (n, C), channels of head h
//
// The same products and the same softmax as attention_forward, so the numbers agree with the
// uncached forward (tests/test_kv_cache.cpp). Per new token this costs O(pos C) instead of the
// O(pos^2 C) of recomputing every position. `scores` holds NH * n * (pos + n) floats. Inference
// only: there is no backward.
void attention_cached_forward(float* out, float* scores, float* kv, const float* qkv, int pos,
                              int n, int C, int NH) {
    const int HS = C / NH, seen = pos + n;
    const float scale = 1.0f / std::sqrt(static_cast<float>(HS));
    for (int i = 0; i < n; i++)  // k and v side by side in both: one copy of 2C floats per row
        std::copy_n(qkv + int64_t{i} * 3 * C + C, 2 * C, kv + int64_t{pos + i} * 2 * C);
    for (int h = 0; h < NH; h++) {
        const float* q = qkv + h * HS;
        const float* k = kv + h * HS;
        const float* v = kv + C + h * HS;
        float* S = scores + int64_t{h} * n * seen;
        gemm(false, true, n, seen, HS, scale, q, 3 * C, k, 2 * C, 0.0f, S, seen);
        for (int i = 0; i < n; i++) causal_softmax_row(S + int64_t{i} * seen, pos + i + 1, seen);
        gemm(false, false, n, HS, seen, 1.0f, S, seen, v, 2 * C, 0.0f, out + h * HS, C);
    }
}

}  // namespace glulab
