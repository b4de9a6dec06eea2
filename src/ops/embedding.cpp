// embedding.cpp — token embedding: look rows up in a table, scatter gradients back.
//
// Contains: embedding_forward, embedding_backward. Leaves out: position embeddings (the model
// adds them as a second table lookup with ids 0..T-1, or uses none) and weight tying.
//
// Lesson 10 · embeddings and attention
#include "glulab/ops/ops.hpp"

#include "glulab/platform/check.hpp"
#include "glulab/platform/parallel_rows.hpp"

#include <algorithm>

namespace glulab {

namespace {
// Backward gives each thread this many channels (a few cache lines of every row).
constexpr int channel_block = 64;
}  // namespace

// embedding
// ---------
//     out (N, C) = weight (V, C)[ids (N)]          row i of out is row ids[i] of the table
//
// Backward: row ids[i] of the table was copied to row i of out, so dout's row i flows back to
// it. A token that appears several times receives the sum of its rows:
//
//     dweight[ids[i], :] += dout[i, :]             for every i, in order
//
// Two rows of dout may land on the same row of dweight, so splitting the rows across threads
// would race. We split the channels instead: each thread owns a block of columns of dweight and
// walks all N rows, so no two threads ever write the same float, and each float receives its
// contributions in row order whatever the number of threads.
void embedding_forward(float* out, const int* ids, const float* weight, int64_t N, int C, int V) {
    // Checked before the parallel loop: an exception must not leave an OpenMP region.
    for (int64_t i = 0; i < N; i++)
        GLULAB_CHECK(ids[i] >= 0 && ids[i] < V,
                     "token ids must be below the vocabulary size; was the text encoded with "
                     "another tokenizer or vocabulary?",
                     "embedding: id {} at position {} is outside [0, V={})", ids[i], i, V);
    parallel_rows(N, N * C > min_parallel, [=](int64_t i) {
        std::copy_n(weight + int64_t{ids[i]} * C, C, out + i * C);  // a gather is a row copy
    });
}

void embedding_backward(float* dweight, const float* dout, const int* ids, int64_t N, int C) {
    if (!dweight) return;
    const int64_t blocks = (C + channel_block - 1) / channel_block;
    parallel_rows(blocks, N * C > min_parallel, [=](int64_t b) {  // one block of channels
        const int c0 = static_cast<int>(b) * channel_block;
        const int c1 = std::min(C, c0 + channel_block);
        for (int64_t i = 0; i < N; i++) {
            const float* di = dout + i * C;
            float* dw = dweight + int64_t{ids[i]} * C;
#pragma omp simd  // dw and di never overlap: one is the table's gradient, one the output's
            for (int c = c0; c < c1; c++) dw[c] += di[c];
        }
    });
}

}  // namespace glulab
