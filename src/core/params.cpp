// params.cpp — the flat parameter arena (see params.hpp).
//
// Lesson 11 · the transformer block and the model
#include "glulab/core/params.hpp"

#include <algorithm>

namespace glulab {

Tensor ParamStore::add(const std::string& name, Shape shape, bool decay) {
    if (!allocated_) {
        for (const ParamEntry& e : entries_)
            GLULAB_CHECK(e.name != name, "every parameter needs its own name",
                         "parameter '{}' declared twice", name);
        entries_.push_back({name, shape, size_, decay});
        size_ += static_cast<size_t>(shape.numel());
        return Tensor{nullptr, nullptr, shape};
    }
    GLULAB_CHECK(bound_ < entries_.size(), "declare the same parameters in both passes",
                 "parameter '{}' was not declared in the first pass", name);
    const ParamEntry& e = entries_[bound_++];
    GLULAB_CHECK(e.name == name && e.shape == shape, "declare the same parameters in both passes",
                 "second pass declared '{}' {} where the first declared '{}' {}", name, shape,
                 e.name, e.shape);
    return view(e);
}

void ParamStore::allocate() {
    GLULAB_CHECK(!allocated_, "", "the parameter store is already allocated");
    for (auto* array : {&data_, &grad_, &m_, &v_}) {
        array->reset(new float[size_]);
        std::fill_n(array->get(), size_, 0.0f);
    }
    moments_begin_ = 0;
    moments_end_ = size_;
    allocated_ = true;
    bound_ = 0;
}

void ParamStore::keep_moments(size_t begin, size_t end) {
    GLULAB_CHECK(allocated_, "call allocate() first", "keep_moments before the store is allocated");
    GLULAB_CHECK(begin <= end && end <= size_, "a range of [0, size())",
                 "keep_moments [{}, {}) of {} parameters", begin, end, size_);
    const size_t lo = std::max(begin, moments_begin_), hi = std::min(end, moments_end_);
    for (auto* array : {&m_, &v_}) {
        std::unique_ptr<float[]> kept(new float[end - begin]);
        std::fill_n(kept.get(), end - begin, 0.0f);
        if (lo < hi) std::copy(array->get() + (lo - moments_begin_), array->get() + (hi - moments_begin_),
                               kept.get() + (lo - begin));
        *array = std::move(kept);
    }
    moments_begin_ = begin;
    moments_end_ = end;
}

void ParamStore::finish_binding() const {
    GLULAB_CHECK(bound_ == entries_.size(), "declare the same parameters in both passes",
                 "the second pass bound {} of {} parameters", bound_, entries_.size());
}

const ParamEntry& ParamStore::find(const std::string& name) const {
    for (const ParamEntry& e : entries_)
        if (e.name == name) return e;
    GLULAB_CHECK(false, "list the names with `glulab params`", "no parameter named '{}'", name);
    return entries_.front();  // not reached
}

Tensor ParamStore::view(const ParamEntry& e) {
    GLULAB_CHECK(allocated_, "call allocate() first", "parameter '{}' has no memory yet", e.name);
    return Tensor{data_.get() + e.offset, grad_.get() + e.offset, e.shape};
}

Tensor ParamStore::joined(Tensor first, Tensor second) const {
    const Shape& a = first.shape;
    const Shape& b = second.shape;
    bool same_rows = a.rank == b.rank && a.rank >= 1;
    for (int i = 1; same_rows && i < a.rank; i++) same_rows = a[i] == b[i];
    GLULAB_CHECK(same_rows, "join parameters whose rows have the same shape",
                 "joined: shapes {} and {} do not stack", a, b);
    Shape s = a;
    s.dims[0] = a[0] + b[0];
    if (!allocated_) return Tensor{nullptr, nullptr, s};
    GLULAB_CHECK(first.data + first.numel() == second.data && first.grad + first.numel() == second.grad,
                 "declare the two parameters one right after the other",
                 "joined: {} and {} are not adjacent in the arena", a, b);
    return Tensor{first.data, first.grad, s};
}

void ParamStore::zero_grad() { std::fill_n(grad_.get(), size_, 0.0f); }

}  // namespace glulab
