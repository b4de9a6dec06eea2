// exercise.hpp — lesson 02's exercise: row-major offsets and a transpose, by hand.
//
// Lesson 02 · tensors, shapes and memory
#pragma once

#include "glulab/core/tensor.hpp"

#include <cstdint>
#include <initializer_list>

namespace lesson02 {

// The position of element `index` in the flat, row-major memory of a tensor of shape `shape`:
// the last index runs fastest, so for (B, T, C) the element (b, t, c) sits at b*T*C + t*C + c.
// Throws glulab::Error (use GLULAB_CHECK) when the number of indices differs from shape.rank
// or an index lies outside [0, size) of its axis.
int64_t offset_of(const glulab::Shape& shape, std::initializer_list<int> index);

// out (cols, rows) = in (rows, cols) transposed: out[j][i] = in[i][j]. Both row-major.
// `out` and `in` do not overlap.
void transpose2d(float* out, const float* in, int rows, int cols);

// The inverse of offset_of: the index (one entry per axis, shape.rank of them) of the element
// at flat position `offset` in a row-major tensor of shape `shape`. Writes index[0..rank).
// Throws glulab::Error when offset lies outside [0, numel).
void index_of(const glulab::Shape& shape, int64_t offset, int64_t* index);

}  // namespace lesson02
