// arena.hpp — a bump allocator for activations: many allocations, one reset.
//
// Every op's output, gradient and cached values come from the activation arena of the Tape.
// `alloc` moves a cursor forward; `reset` moves it back to the start after a training step.
// The arena keeps its memory as a list of blocks. The first step grows the list as needed;
// later steps ask for the same sizes in the same order and so reuse the same blocks: after
// the first step, training allocates nothing from the heap (tests/test_alloc.cpp proves it).
//
// Each reset() also counts one more generation. A Tensor made from the arena remembers the
// generation it was born in, and a GLULAB_DEBUG build refuses to read it once the arena has moved
// on (tensor.hpp → Tensor::check_live): its memory then belongs to newer tensors.
//
// Lesson 02 · tensors, shapes and memory
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace glulab {

class Arena {
public:
    explicit Arena(size_t block_floats = size_t{1} << 20);  // 4 MiB blocks by default

    // n floats, 64-byte aligned, contents undefined.
    float* alloc(size_t n);
    // Forget every allocation (keeps the blocks for reuse), and start a new generation.
    void reset();
    // How many times reset() ran. The counter lives on the heap, so its address stays the same
    // when the arena (or the Tape holding it) is moved: a Tensor keeps a pointer to it.
    const uint64_t* generation() const { return generation_.get(); }

    size_t used_floats() const;      // floats handed out since the last reset
    size_t capacity_floats() const;  // floats held in all blocks
    size_t block_count() const { return blocks_.size(); }

private:
    struct AlignedDelete {
        void operator()(float* p) const;
    };
    struct Block {
        std::unique_ptr<float[], AlignedDelete> memory;
        size_t size = 0;  // in floats
    };
    std::vector<Block> blocks_;
    size_t block_floats_;
    size_t current_ = 0;  // index of the block being filled
    size_t cursor_ = 0;   // floats used in blocks_[current_]
    size_t used_before_current_ = 0;
    std::unique_ptr<uint64_t> generation_ = std::make_unique<uint64_t>(0);
};

}  // namespace glulab
