// norm_backward_split.hpp — how both norms' backward passes share out their work.
//
// Contains: norm_backward_split, used by rms_norm_backward and layer_norm_backward. Leaves out:
// the math, which is in rmsnorm.cpp and layernorm.cpp.
//
// Lesson 08 · RMSNorm
#pragma once

#include "glulab/ops.hpp"

#include <algorithm>
#include <cstdint>

namespace glulab {

// norm_backward_split
// -------------------
// A norm's backward has two kinds of gradient: dx, one row at a time, and the gains' (and
// biases') dg, summed over all N rows. Split by rows, dg would race. So one parallel region
// does both: the threads split the rows for `row(i)`, then split the columns for
// `columns(c0, c1)`, norm_column_block columns at a time, each slice summing its rows in order
// 0..N-1: the same sum, to the bit, on any number of threads.
template <class Row, class Columns>
void norm_backward_split(int64_t N, int C, bool rows, bool cols, Row row, Columns columns) {
#pragma omp parallel if (N * C > 16384)
    {
        if (rows) {
#pragma omp for nowait
            for (int64_t i = 0; i < N; i++) row(i);
        }
        if (cols) {
#pragma omp for
            for (int c0 = 0; c0 < C; c0 += norm_column_block)
                columns(c0, std::min(c0 + norm_column_block, C));
        }
    }
}

}  // namespace glulab
