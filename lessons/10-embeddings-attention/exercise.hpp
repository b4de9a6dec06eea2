// exercise.hpp — lesson 10's exercise: causal attention for one head, written out in loops.
//
// Lesson 10 · embeddings and causal attention
#pragma once

namespace lesson10 {

// One head h of causal self-attention for one sequence (one b), the way
// src/ops/attention.cpp → attention_forward computes it, but with plain loops:
//
//   qkv   (T, 3C)  row t holds token t's query in channels [0, C), key in [C, 2C), value in
//                  [2C, 3C); head h uses channels [h*HS, (h+1)*HS) of each, HS = C / NH
//   probs (T, T)   output: P[i][j] = softmax over j <= i of S[i][j] = q_i . k_j / sqrt(HS),
//                  and exactly 0 for j > i (the future is masked)
//   out   (T, HS)  output: out[i] = sum_j P[i][j] v_j
//
// Subtract each row's maximum before exp, so large scores do not overflow.
void causal_attention_head(float* out, float* probs, const float* qkv, int T, int C, int NH,
                           int h);

// Exercise 5: what one causal head outputs when every query is zero, q_t = 0 for all t.
// v (T, HS) holds the values; out (T, HS) is the head's output. Predict it from the formula
// of attention alone: no scores, no softmax, no exp in your code.
void zero_query_attention(float* out, const float* v, int T, int HS);

}  // namespace lesson10
