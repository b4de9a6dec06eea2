// layers.cpp — the three simple layers: Linear, Embedding, RMSNorm.
//
// Contains: declare and forward of Linear, Embedding and RMSNorm. Each forward is one call to
// an op of autograd.hpp; what a layer adds is its weights, their names and their shapes.
// Leaves out: initialisation (Transformer::init draws every weight in one place).
//
// Lesson 11 · the transformer block and the model
#include "glulab/model.hpp"

namespace glulab {

// Linear
// ------
// weight (out, in), as PyTorch's nn.Linear stores it, so y = x W^T: the matmul reads W
// transposed in place (trans_b) instead of keeping a transposed copy. Matrices take weight
// decay, biases do not.
void Linear::declare(ParamStore& ps, const std::string& name, int in, int out, bool with_bias) {
    weight = ps.add(name + ".weight", Shape{out, in}, /*decay=*/true);
    if (with_bias) bias = ps.add(name + ".bias", Shape{out}, /*decay=*/false);
}

Tensor Linear::operator()(Tape& tape, Tensor x) const { return linear(tape, x, weight, bias); }

// Embedding
// ---------
// weight (count, dim): row i is the vector of token (or position) i. No weight decay: a row
// only receives gradient when its id occurs, so decay would shrink rare tokens for nothing.
void Embedding::declare(ParamStore& ps, const std::string& name, int count, int dim) {
    weight = ps.add(name + ".weight", Shape{count, dim}, /*decay=*/false);
}

Tensor Embedding::operator()(Tape& tape, const int* ids, Shape ids_shape) const {
    return embedding(tape, ids, ids_shape, weight);
}

// RMSNorm
// -------
// One gain per channel, no bias, no decay (src/ops/rmsnorm.cpp → rms_norm_forward has the math).
void RMSNorm::declare(ParamStore& ps, const std::string& name, int dim) {
    weight = ps.add(name + ".weight", Shape{dim}, /*decay=*/false);
}

Tensor RMSNorm::operator()(Tape& tape, Tensor x) const { return rms_norm(tape, x, weight, eps); }

}  // namespace glulab
