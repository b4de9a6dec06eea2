// exercise.hpp — lesson 10's exercise: causal attention for one head, written out in loops.
//
// Lesson 10 · embeddings and causal attention
#pragma once

namespace lesson10 {

// One head h of causal self-attention for one sequence (one b), the way
// src/ops/attention.cpp → attention_forward computes it, but with plain loops:
//
//   qkv   (T, 3C)  the output of the qkv projection for one sequence, laid out as the README's
//                  "The idea" describes (query, key, value of every head, HS = C / NH):
//                  qkv_offset below is where each value sits
//   probs (T, T)   output: P[i][j] = softmax over j <= i of S[i][j] = q_i . k_j / sqrt(HS),
//                  and exactly 0 for j > i (the future is masked)
//   out   (T, HS)  output: out[i] = sum_j P[i][j] v_j
//
// Subtract each row's maximum before exp, so large scores do not overflow.
void causal_attention_head(float* out, float* probs, const float* qkv, int T, int C, int NH,
                           int h);

// Derive first. The index into qkv (T, 3C) of channel i (0 <= i < HS) of head h's query
// (part 0), key (part 1) or value (part 2) of token t. Work one case by hand before the
// general one: at the default model's C = 128 and NH = 4, where is channel 5 of head 2's KEY
// of token 3? Return that number from key_offset_by_hand as a constant; then write qkv_offset
// and use it in causal_attention_head.
int key_offset_by_hand();
int qkv_offset(int t, int part, int h, int i, int C, int NH);

// Exercise 5: what one causal head outputs when every query is zero, q_t = 0 for all t.
// v (T, HS) holds the values; out (T, HS) is the head's output. Predict it from the formula
// of attention alone: no scores, no softmax, no exp in your code.
void zero_query_attention(float* out, const float* v, int T, int HS);

}  // namespace lesson10
