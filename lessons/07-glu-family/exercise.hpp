// exercise.hpp — lesson 07's exercise: the FFN hidden-width rule, and SwiGLU's backward.
//
// Lesson 07 · the GLU family
#pragma once

#include <cstdint>

namespace lesson07 {

// Part A. H, the hidden width of a feed-forward layer with C channels (C >= 1):
//   d_ff > 0:   H = d_ff, whatever the kind
//   plain:      H = 4 C
//   gated:      H = 2/3 of 4 C = 8 C / 3, rounded UP to a multiple of multiple_of (>= 1)
// The same rule as src/nn/config.cpp → ModelConfig::ffn_hidden, written as a free function.
int ffn_hidden_for(int C, bool gated, int multiple_of, int d_ff);

// Part B. The backward of SwiGLU, out = silu(gate) * up, on arrays of n values:
//   dgate += dout * up * silu'(gate)
//   dup   += dout * silu(gate)
// Either gradient array may be null (that input needs no gradient): skip it.
// The same contract as src/ops/glu.cpp → glu_backward with Act::silu.
void swiglu_backward(float* dgate, float* dup, const float* dout, const float* gate,
                     const float* up, int64_t n);

// Exercise 6, a SwiGLU FFN by hand: D = 4, d_ff = 8, these weights (rows as PyTorch's
// nn.Linear stores them: W_gate, W_up (8, 4), W_down (4, 8)) and x = [1, 0, 0, 1]:
//     g = W_gate x,  u = W_up x,  h = silu(g) * u  (8),  y = W_down h  (4)
inline constexpr float kWorkedGate[8][4] = {{1, 0, 0, 0},  {0, 1, 1, -1}, {1, 0, 0, 1},
                                            {0, 2, 0, 0},  {-1, 0, 0, -1}, {1, 1, 0, 2},
                                            {0, 0, 3, 1},  {2, 0, 0, -2}};
inline constexpr float kWorkedUp[8][4] = {{1, 0, 0, 1}, {0, 0, 1, 1}, {1, 0, 0, 0},  {1, 1, 1, 1},
                                          {0, 0, 0, -1}, {-1, 0, 0, 0}, {0, 1, 0, -1}, {1, 0, 0, 2}};
inline constexpr float kWorkedDown[4][8] = {{1, 0, 0, 0, 0, 0, 0, 0},
                                            {0, 1, 1, 0, 0, 0, 0, 1},
                                            {0, 0, 0, 1, 1, 1, 0, 0},
                                            {1, -1, 0, 0, 0, 0, 1, 5}};
inline constexpr float kWorkedX[4] = {1, 0, 0, 1};
// Your numbers, worked out by hand (a calculator for silu is fine), to 4 decimals.
struct WorkedSwiglu {
    float g[8], u[8], h[8], y[4];
};
WorkedSwiglu swiglu_by_hand();

}  // namespace lesson07
