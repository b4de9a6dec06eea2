// tensor.cpp — Shape arithmetic and Tensor views (see tensor.hpp).
//
// Lesson 02 · tensors, shapes and memory
#include "glulab/core/tensor.hpp"

namespace glulab {

Shape::Shape(std::initializer_list<int> ds) {
    GLULAB_CHECK(ds.size() >= 1 && ds.size() <= 4, "glulab tensors have rank 1 to 4",
                 "a shape needs 1 to 4 dimensions, got {}", ds.size());
    for (int d : ds) {
        GLULAB_CHECK(d >= 0, "sizes count elements", "negative dimension {} in a shape", d);
        dims[static_cast<size_t>(rank++)] = d;
    }
}

int64_t Shape::numel() const {
    int64_t n = 1;
    for (int i = 0; i < rank; i++) n *= dims[static_cast<size_t>(i)];
    return rank ? n : 0;
}

bool Shape::operator==(const Shape& o) const {
    if (rank != o.rank) return false;
    for (int i = 0; i < rank; i++)
        if (dims[static_cast<size_t>(i)] != o.dims[static_cast<size_t>(i)]) return false;
    return true;
}

std::string Shape::str() const {
    std::string s = "(";
    for (int i = 0; i < rank; i++) s += fmt::format("{}{}", i ? ", " : "", dims[static_cast<size_t>(i)]);
    return s + ")";
}

Tensor Tensor::view(Shape s) const {
    GLULAB_CHECK(s.numel() == numel(), "a view keeps the number of elements",
                 "cannot view a tensor of shape {} as {}", shape, s);
    check_live();
    Tensor t = *this;
    t.shape = s;
    return t;
}

float& Tensor::at(std::initializer_list<int> index) const {
    check_live();
    GLULAB_CHECK(static_cast<int>(index.size()) == shape.rank, "give one index per dimension",
                 "{} indices for a tensor of shape {}", index.size(), shape);
    int64_t offset = 0;
    int axis = 0;
    for (int i : index) {
        GLULAB_CHECK(i >= 0 && i < shape[axis], "indices run from 0 to size-1",
                     "index {} out of range on axis {} of shape {}", i, axis, shape);
        offset = offset * shape[axis] + i;
        axis++;
    }
    return data[offset];
}

}  // namespace glulab
