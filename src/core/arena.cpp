// arena.cpp — the activation arena (see arena.hpp).
//
// Lesson 02 · tensors, shapes and memory
#include "glulab/core/arena.hpp"

#include <algorithm>
#include <new>

namespace glulab {

namespace {
constexpr size_t kAlignFloats = 16;  // 64 bytes: one cache line, one AVX-512 register
size_t round_up(size_t n) { return (n + kAlignFloats - 1) / kAlignFloats * kAlignFloats; }
}  // namespace

void Arena::AlignedDelete::operator()(float* p) const {
    ::operator delete[](p, std::align_val_t(64));
}

Arena::Arena(size_t block_floats) : block_floats_(round_up(block_floats)) {}

float* Arena::alloc(size_t n) {
    n = round_up(n ? n : 1);
    // Walk to the next block that has room; blocks made in an earlier step are reused in order.
    while (current_ < blocks_.size() && cursor_ + n > blocks_[current_].size) {
        used_before_current_ += cursor_;
        current_++;
        cursor_ = 0;
    }
    if (current_ == blocks_.size()) {
        // Only the first pass through a step gets here. Over-aligned new[] keeps
        // every allocation 64-byte aligned, since block sizes are multiples of 16 floats.
        Block b;
        b.size = std::max(n, block_floats_);
        b.memory.reset(static_cast<float*>(
            ::operator new[](b.size * sizeof(float), std::align_val_t(64))));
        blocks_.push_back(std::move(b));
    }
    float* p = blocks_[current_].memory.get() + cursor_;
    cursor_ += n;
    return p;
}

void Arena::reset() {
    current_ = 0;
    cursor_ = 0;
    used_before_current_ = 0;
    ++*generation_;
}

size_t Arena::used_floats() const { return used_before_current_ + cursor_; }

size_t Arena::capacity_floats() const {
    size_t total = 0;
    for (const Block& b : blocks_) total += b.size;
    return total;
}

}  // namespace glulab
