// attention.cpp — causal multi-head self-attention, forward and backward.
//
// Contains: attention_forward, attention_backward, attention_scratch_floats. The projections
// that make qkv from x and the one that follows are linear layers of the model; this file is
// only the part between them. Leaves out: flash-attention style tiling (we store the full
// (T, T) probabilities), key-value caching for generation, rotary position embeddings.
//
// Lesson 10 · embeddings and attention
#include "glulab/ops.hpp"

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
// future. Row i of the softmax runs over j <= i and its maximum is subtracted first, as in
// softmax.cpp. (gemm computes all T*T scores; the masked half is simply overwritten.)
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
// region and does not split again. `scratch` holds dP (turned into dS in place) for every pair.
int64_t attention_scratch_floats(int B, int T, int NH) { return int64_t{B} * NH * T * T; }

namespace {
// One row of scores (width entries) becomes probabilities over its first `seen` entries (the
// positions this query may look at), maximum subtracted first; the rest, the future, is 0.
void causal_softmax_row(float* row, int seen, int width) {
    float mx = row[0];
    for (int j = 1; j < seen; j++) mx = row[j] > mx ? row[j] : mx;
    float sum = 0.0f;
    for (int j = 0; j < seen; j++) {
        row[j] = std::exp(row[j] - mx);
        sum += row[j];
    }
    const float inv = 1.0f / sum;
    for (int j = 0; j < seen; j++) row[j] *= inv;
    for (int j = seen; j < width; j++) row[j] = 0.0f;  // the future is masked
}
}  // namespace

void attention_forward(float* out, float* probs, const float* qkv, int B, int T, int C, int NH) {
    const int HS = C / NH;
    const float scale = 1.0f / std::sqrt(static_cast<float>(HS));
#pragma omp parallel for
    for (int bh = 0; bh < B * NH; bh++) {
        const int b = bh / NH, h = bh % NH;
        const float* q = qkv + int64_t{b} * T * 3 * C + h * HS;
        const float* k = q + C;
        const float* v = q + 2 * C;
        float* P = probs + int64_t{bh} * T * T;
        // S = scale * q k^T, with the 1/sqrt(HS) passed to gemm as alpha.
        gemm(false, true, T, T, HS, scale, q, 3 * C, k, 3 * C, 0.0f, P, T);
        for (int i = 0; i < T; i++) causal_softmax_row(P + int64_t{i} * T, i + 1, T);
        // o = P v, written straight into this head's channels of out.
        float* o = out + int64_t{b} * T * C + h * HS;
        gemm(false, false, T, HS, T, 1.0f, P, T, v, 3 * C, 0.0f, o, C);
    }
}

void attention_backward(float* dqkv, float* scratch, const float* dout, const float* qkv,
                        const float* probs, int B, int T, int C, int NH) {
    if (!dqkv) return;
    const int HS = C / NH;
    const float scale = 1.0f / std::sqrt(static_cast<float>(HS));
#pragma omp parallel for
    for (int bh = 0; bh < B * NH; bh++) {
        const int b = bh / NH, h = bh % NH;
        const int64_t at = int64_t{b} * T * 3 * C + h * HS;  // this head's q in qkv and dqkv
        const float *q = qkv + at, *k = q + C, *v = q + 2 * C;
        float *dq = dqkv + at, *dk = dq + C, *dv = dq + 2 * C;
        const float* dO = dout + int64_t{b} * T * C + h * HS;
        const float* P = probs + int64_t{bh} * T * T;
        float* dS = scratch + int64_t{bh} * T * T;

        gemm(false, true, T, T, HS, 1.0f, dO, C, v, 3 * C, 0.0f, dS, T);  // dP = dO v^T
        gemm(true, false, T, HS, T, 1.0f, P, T, dO, C, 1.0f, dv, 3 * C);  // dv += P^T dO
        for (int i = 0; i < T; i++) {  // dS = P * (dP - rowsum(dP * P)), in place
            const float* p = P + int64_t{i} * T;
            float* d = dS + int64_t{i} * T;
            float dot = 0.0f;
            for (int j = 0; j <= i; j++) dot += d[j] * p[j];
            for (int j = 0; j <= i; j++) d[j] = p[j] * (d[j] - dot);
            for (int j = i + 1; j < T; j++) d[j] = 0.0f;
        }
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
    for (int i = 0; i < n; i++)
        for (int c = 0; c < 2 * C; c++)
            kv[int64_t{pos + i} * 2 * C + c] = qkv[int64_t{i} * 3 * C + C + c];
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
