// params.hpp — every parameter of a model in one flat arena.
//
// A model's weights, their gradients and AdamW's two moment estimates are four flat float
// arrays of the same length. Each parameter is a named view into them: `blocks.0.ffn.gate.weight`
// is the slice [offset, offset + numel) of every array. So zeroing all gradients is one fill,
// AdamW is one loop, a checkpoint is one pass over the entries, and a data-parallel version could average the
// gradients of several processes with one all-reduce.
//
// Parameters are declared once, by one function of the model (`Transformer::declare`), which
// runs twice: the first pass only records names, shapes and offsets (the tensors it gets back
// have no memory yet); `allocate()` then makes the arrays; the second pass, making the same
// calls in the same order, gets views into them. The store checks that both passes agree.
//
// The moments may cover less than all of the parameters: under ZeRO-1 (data_parallel.hpp) each
// rank keeps m and v only for its slice [moments_begin, moments_end) and frees the rest
// (keep_moments), so `adam_m()[i - moments_begin()]` is the first moment of parameter i.
//
// Lesson 11 · the transformer block and the model
#pragma once

#include "glulab/core/tensor.hpp"

#include <memory>
#include <string>
#include <vector>

namespace glulab {

struct ParamEntry {
    std::string name;    // PyTorch-style dotted name, e.g. "blocks.0.attn.qkv.weight"
    Shape shape;         // e.g. (384, 128)
    size_t offset = 0;   // first element in the flat arrays
    bool decay = false;  // does AdamW apply weight decay to it (matrices yes, gains no)
};

class ParamStore {
public:
    // Declare (first pass) or bind (second pass) the next parameter.
    Tensor add(const std::string& name, Shape shape, bool decay);
    // Ends the first pass: allocates data, grad, m and v (zeroed) for every declared parameter.
    void allocate();
    bool allocated() const { return allocated_; }
    // Ends the second pass: checks that it declared everything the first pass did.
    void finish_binding() const;

    size_t size() const { return size_; }  // total number of scalar parameters
    const std::vector<ParamEntry>& entries() const { return entries_; }
    const ParamEntry& find(const std::string& name) const;  // throws on an unknown name
    Tensor view(const ParamEntry& e);                        // its data and grad, once allocated
    // Two parameters declared one right after the other, (m, k) and (n, k), seen as one
    // (m + n, k) tensor: first's rows, then second's. No new memory and no entry of its own
    // (the table and checkpoints keep both names). In the first pass it has no memory either.
    Tensor joined(Tensor first, Tensor second) const;

    // Keep m and v only for the parameters [begin, end): new arrays of end - begin floats that
    // take the values of the old ones where the two ranges overlap, and zeros elsewhere; the old
    // arrays are freed. keep_moments(0, size()) makes the moments whole again.
    void keep_moments(size_t begin, size_t end);
    size_t moments_begin() const { return moments_begin_; }
    size_t moments_end() const { return moments_end_; }
    bool moments_whole() const { return moments_begin_ == 0 && moments_end_ == size_; }
    // Floats allocated for m and v together: 2 (moments_end - moments_begin).
    size_t moment_floats() const { return 2 * (moments_end_ - moments_begin_); }

    // The flat arrays: data and grad of size() floats; m and v of the moments' range (above).
    float* data() { return data_.get(); }
    float* grad() { return grad_.get(); }
    float* adam_m() { return m_.get(); }
    float* adam_v() { return v_.get(); }
    const float* data() const { return data_.get(); }
    const float* grad() const { return grad_.get(); }
    const float* adam_m() const { return m_.get(); }
    const float* adam_v() const { return v_.get(); }

    void zero_grad();

private:
    std::vector<ParamEntry> entries_;
    size_t size_ = 0;
    size_t bound_ = 0;  // how many entries the second pass has bound so far
    bool allocated_ = false;
    size_t moments_begin_ = 0, moments_end_ = 0;  // the parameters m_ and v_ hold
    std::unique_ptr<float[]> data_, grad_, m_, v_;
};

}  // namespace glulab
