// Lesson 10 · reference solution of the exercise (CI runs the lesson's tests against it).
#include "exercise.hpp"

#include <algorithm>
#include <cmath>

namespace lesson10 {

// Token 3's row starts at 3 * 3C = 1152; its key at C = 128 further, 1280; head 2's channels
// at 2 * HS = 64 further, 1344; channel 5 at 1349.
int key_offset_by_hand() { return 1349; }

// Row t of (T, 3C), then part p's block of C channels, then head h's HS of them.
int qkv_offset(int t, int part, int h, int i, int C, int NH) { return t * 3 * C + part * C + h * (C / NH) + i; }

void causal_attention_head(float* out, float* probs, const float* qkv, int T, int C, int NH,
                           int h) {
    const int HS = C / NH;
    const float scale = 1.0f / std::sqrt(static_cast<float>(HS));
    for (int i = 0; i < T; i++) {
        const float* q = qkv + qkv_offset(i, 0, h, 0, C, NH);
        float* P = probs + i * T;
        // Scores of the past and present, and their maximum.
        float mx = -INFINITY;
        for (int j = 0; j <= i; j++) {
            const float* k = qkv + qkv_offset(j, 1, h, 0, C, NH);
            float s = 0.0f;
            for (int d = 0; d < HS; d++) s += q[d] * k[d];
            P[j] = s * scale;
            mx = std::max(mx, P[j]);
        }
        // Softmax over j <= i; the future gets exactly 0.
        float sum = 0.0f;
        for (int j = 0; j <= i; j++) sum += (P[j] = std::exp(P[j] - mx));
        for (int j = 0; j <= i; j++) P[j] /= sum;
        for (int j = i + 1; j < T; j++) P[j] = 0.0f;
        // out_i = sum_j P_ij v_j.
        float* o = out + i * HS;
        for (int d = 0; d < HS; d++) o[d] = 0.0f;
        for (int j = 0; j <= i; j++) {
            const float* v = qkv + qkv_offset(j, 2, h, 0, C, NH);
            for (int d = 0; d < HS; d++) o[d] += P[j] * v[d];
        }
    }
}

// Scores all 0, so the masked softmax of row t is uniform over the t + 1 visible positions:
// out_t = (v_0 + ... + v_t) / (t + 1), the running mean of the values.
void zero_query_attention(float* out, const float* v, int T, int HS) {
    for (int i = 0; i < HS; i++) {
        float sum = 0.0f;
        for (int t = 0; t < T; t++) {
            sum += v[t * HS + i];
            out[t * HS + i] = sum / static_cast<float>(t + 1);
        }
    }
}

}  // namespace lesson10
