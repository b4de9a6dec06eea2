// ops.hpp — the kernels: one named forward/backward pair per op, on raw float arrays.
//
// These functions know nothing of tensors or the tape. Each `*_forward` computes an output from
// its inputs; each `*_backward` takes the gradient of the output (`dout`) and ADDS (+=) the
// gradients of the inputs into the `d`-prefixed arrays. A null `d` array means "this input
// needs no gradient" and is skipped. Arguments follow one order: outputs and caches first, then
// inputs, then sizes. The math of each pair sits above it in its source file:
//
//   src/ops/matmul.cpp       gemm, gemm_naive, matmul_forward/backward        Lesson 04
//   src/ops/elementwise.cpp  add, add_bias, mul, scale, sum, mean              Lesson 03
//   src/ops/activations.cpp  activation_forward/backward (every Act), silu       Lesson 06
//   src/ops/glu.cpp          glu_forward/backward (the whole GLU family)        Lesson 07
//   src/ops/rmsnorm.cpp      rms_norm_forward/backward                          Lesson 08
//   src/ops/layernorm.cpp    layer_norm_forward/backward                        Lesson 08
//   src/ops/softmax.cpp      softmax, cross_entropy                             Lesson 09
//   src/ops/embedding.cpp    embedding_forward/backward                         Lesson 10
//   src/ops/attention.cpp    attention_forward/backward (causal, multi-head)    Lesson 10
//                            and attention_naive_forward/backward
//   src/ops/dropout.cpp      dropout_forward/backward                           Lesson 12
//   src/ops/quantize.cpp     quant_scales, fake_quant_forward/backward          Lesson 16
//
// Shapes use the letters of tensor.hpp. `n` is a number of elements, N a number of rows.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace glulab {

// Matrix products (src/ops/matmul.cpp)
// ------------------------------------
// C (M, N) = alpha * op(A) op(B) + beta * C, row-major, op(X) = X or X^T. `gemm` calls
// OpenBLAS's cblas_sgemm (splitting the rows of C over OpenMP threads when that pays);
// `gemm_naive` is the triple loop it is tested against.
void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc);
void gemm_naive(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A,
                int lda, const float* B, int ldb, float beta, float* C, int ldc);
// out (M, N) = a (M, K) @ b (K, N), or a (M, K) @ b^T with b (N, K) when trans_b.
void matmul_forward(float* out, const float* a, const float* b, int M, int N, int K, bool trans_b);
void matmul_backward(float* da, float* db, const float* dout, const float* a, const float* b,
                     int M, int N, int K, bool trans_b);

// Elementwise ops and reductions (src/ops/elementwise.cpp)
// --------------------------------------------------------
void add_forward(float* out, const float* a, const float* b, int64_t n);
void add_backward(float* da, float* db, const float* dout, int64_t n);
// out (N, C) = x (N, C) + bias (C), the bias broadcast over rows.
void add_bias_forward(float* out, const float* x, const float* bias, int64_t N, int C);
void add_bias_backward(float* dx, float* dbias, const float* dout, int64_t N, int C);
void mul_forward(float* out, const float* a, const float* b, int64_t n);
void mul_backward(float* da, float* db, const float* dout, const float* a, const float* b, int64_t n);
void scale_forward(float* out, const float* x, float s, int64_t n);
void scale_backward(float* dx, const float* dout, float s, int64_t n);
// out (1) = sum or mean of x (n).
void sum_forward(float* out, const float* x, int64_t n);
void sum_backward(float* dx, const float* dout, int64_t n);
void mean_forward(float* out, const float* x, int64_t n);
void mean_backward(float* dx, const float* dout, int64_t n);

// Activations (src/ops/activations.cpp)
// -------------------------------------
// The activation functions glulab knows, in the order of src/ops/act_scalar.hpp → act_table,
// which holds each one's name and formulas. `identity` exists for the Bilinear GLU variant.
enum class Act { identity, relu, gelu, gelu_tanh, sigmoid, silu };
const char* act_name(Act act);  // "relu", "gelu", ... (a string literal)

// out (n) = act(x (n)); dx (n) += dout (n) * act'(x). Every activation (identity copies / adds);
// gelu is the exact x * Phi(x), gelu_tanh its tanh approximation, silu x * sigmoid(x) (swish).
void activation_forward(float* out, const float* x, int64_t n, Act act);
void activation_backward(float* dx, const float* dout, const float* x, int64_t n, Act act);
// The same for silu by name: the pair lesson 06 builds; gelu_tanh_backward, its exercise's.
void silu_forward(float* out, const float* x, int64_t n);
void silu_backward(float* dx, const float* dout, const float* x, int64_t n);
void gelu_tanh_backward(float* dx, const float* dout, const float* x, int64_t n);

// The GLU family (src/ops/glu.cpp)
// --------------------------------
// out (N, H) = act(gate) * up: sigmoid = GLU, identity = Bilinear, relu = ReGLU,
// gelu = GEGLU, silu = SwiGLU (Shazeer 2020). gate and up (and dgate, dup) are N rows of H
// values `ld` floats apart: ld = 2H for the two halves of one (N, 2H) product, ld = H for two
// separate (N, H) arrays (N = 1, H = ld = n for any flat array). With beta (1), a learned scale
// of the gate: out = act(beta * gate) * up, and backward adds dbeta (1) too (null: not wanted).
void glu_forward(float* out, const float* gate, const float* up, int64_t N, int H, int64_t ld,
                 Act act, const float* beta = nullptr);
void glu_backward(float* dgate, float* dup, const float* dout, const float* gate, const float* up,
                  int64_t N, int H, int64_t ld, Act act, float* dbeta = nullptr,
                  const float* beta = nullptr);

// Symmetric int8 fake quantization (src/ops/quantize.cpp)
// --------------------------------------------------------
// Quantize, then dequantize, in float: x (N, C) -> round(x / s) s, the integer clamped to
// [-127, 127], with s = absmax / 127 of the whole array or of each row (per_row: a weight's
// output channel, an activation's token). backward is the straight-through estimate.
inline constexpr float kInt8Max = 127.0f;
void quant_scales(float* scales, const float* x, int64_t N, int C, bool per_row);  // (N) or (1)
void fake_quant_forward(float* out, const float* x, const float* scales, int64_t N, int C, bool per_row);
void fake_quant_backward(float* dx, const float* dout, const float* x, const float* scales, int64_t N, int C,
                         bool per_row);

// RMSNorm (src/ops/rmsnorm.cpp)
// -----------------------------
// Both norms' backward sum dg (and db) over rows with each thread owning this many columns:
// 16 floats, one 64-byte cache line, so two threads never write the same line.
inline constexpr int norm_column_block = 16;
// out (N, C) = x / sqrt(mean(x^2) + eps) * g (C); caches rstd (N) = 1 / sqrt(mean(x^2) + eps).
void rms_norm_forward(float* out, float* rstd, const float* x, const float* g, int64_t N, int C,
                      float eps);
void rms_norm_backward(float* dx, float* dg, const float* dout, const float* x, const float* g,
                       const float* rstd, int64_t N, int C);

// LayerNorm (src/ops/layernorm.cpp)
// ---------------------------------
// out (N, C) = (x - mean) * rstd * g (C) + b (C); caches mean (N) and
// rstd (N) = 1 / sqrt(mean((x - mean)^2) + eps).
void layer_norm_forward(float* out, float* mean, float* rstd, const float* x, const float* g,
                        const float* b, int64_t N, int C, float eps);
void layer_norm_backward(float* dx, float* dg, float* db, const float* dout, const float* x,
                         const float* g, const float* mean, const float* rstd, int64_t N, int C);

// Softmax and cross-entropy (src/ops/softmax.cpp)
// -----------------------------------------------
// One row x (C): row_max is max_j x_j; softmax_row writes out = softmax(x) given that maximum
// (out may be x) and returns the normaliser sum_j e^(x_j - max). attention.cpp masks with it.
float row_max(const float* x, int C);
float softmax_row(float* out, const float* x, int C, float mx);
// Row-wise softmax of x (N, C).
void softmax_forward(float* out, const float* x, int64_t N, int C);
void softmax_backward(float* dx, const float* dout, const float* out, int64_t N, int C);
// Fused log-softmax + cross-entropy, mean over the N rows. Fills probs (N, V) and returns the
// mean loss; targets (N) must lie in [0, V) (checked). backward: dlogits += dloss (p - onehot) / N.
float cross_entropy_forward(float* probs, const float* logits, const int* targets, int64_t N, int V);
void cross_entropy_backward(float* dlogits, float dloss, const float* probs, const int* targets,
                            int64_t N, int V);

// Embedding (src/ops/embedding.cpp)
// ---------------------------------
// out (N, C) = weight (V, C)[ids (N)]; ids are checked against V. Backward scatters with +=.
void embedding_forward(float* out, const int* ids, const float* weight, int64_t N, int C, int V);
void embedding_backward(float* dweight, const float* dout, const int* ids, int64_t N, int C);

// Causal multi-head self-attention (src/ops/attention.cpp)
// --------------------------------------------------------
// qkv (B, T, 3C) holds q, k, v side by side; head h uses channels [h*HS, (h+1)*HS) of each.
// Per (b, h): att = softmax(q k^T / sqrt(HS) + causal mask) (T, T), out = att v.
// out (B, T, C) puts head h in channels [h*HS, (h+1)*HS). Caches probs (B, NH, T, T): computed
// in blocks of rows that skip the blocks wholly above the diagonal, which are never written
// (every P_ij with j <= i is set, and the masked entries of the diagonal blocks are 0).
// Backward needs `scratch` of attention_scratch_floats(B, T, NH) floats.
void attention_forward(float* out, float* probs, const float* qkv, int B, int T, int C, int NH);
void attention_backward(float* dqkv, float* scratch, const float* dout, const float* qkv,
                        const float* probs, int B, int T, int C, int NH);
int64_t attention_scratch_floats(int B, int T, int NH);
// Scores per (b, h) the blocked kernels compute (T*T less the skipped blocks); bench counts with it.
int64_t attention_score_count(int T);
// The plain reference: the whole (T, T) square per (b, h), then masked; probs all written.
// Its backward needs attention_naive_scratch_floats(B, T, NH) floats of scratch.
void attention_naive_forward(float* out, float* probs, const float* qkv, int B, int T, int C,
                             int NH);
void attention_naive_backward(float* dqkv, float* scratch, const float* dout, const float* qkv,
                              const float* probs, int B, int T, int C, int NH);
int64_t attention_naive_scratch_floats(int B, int T, int NH);
// Sampling with a key-value cache: n new tokens at positions pos .. pos+n-1, qkv (n, 3C), are
// appended to kv (T, 2C) (row j: k_j, then v_j) and attend to rows 0 .. their own position.
// out (n, C); scores holds NH * n * (pos + n) floats. Forward only.
void attention_cached_forward(float* out, float* scores, float* kv, const float* qkv, int pos,
                              int n, int C, int NH);

// Dropout (src/ops/dropout.cpp)
// -----------------------------
// Inverted dropout: mask (n) holds 0 or 1/(1-p), drawn from `seed`; out = x * mask. Element i
// draws the number of index first + i, so a process holding a part of a larger tensor (a rank's
// rows of a batch) draws that part's mask of the whole.
void dropout_forward(float* out, float* mask, const float* x, int64_t n, float p, uint64_t seed,
                     int64_t first = 0);
void dropout_backward(float* dx, const float* dout, const float* mask, int64_t n);

}  // namespace glulab
