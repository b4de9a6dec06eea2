// data_parallel.hpp — one training step on N processes that gives the step of one process.
//
// Every rank draws the same global batch of B sequences (the same seeded sampler) and computes
// the forward and backward of its own rows [r B/N, (r + 1) B/N). Each rank's loss is the mean
// over its B/N rows, so its gradient is the gradient of that mean; the full-batch mean is the
// mean of the N rank means (all ranks have as many rows), and so is its gradient:
//
//     L = 1/(B T) sum_rows l  =  1/N sum_r L_r       =>     dL/dw = 1/N sum_r dL_r/dw
//
// `DataParallel::update` sums the gradients over ranks (one allreduce of the flat gradient
// array), divides by N, and takes the same clip + AdamW step on every rank, so the weights stay
// equal everywhere. With `shard_optimizer` (ZeRO stage 1) each rank keeps AdamW's moments of
// its slice of the parameters only: the gradients are reduce-scattered (rank r receives the
// sum of its slice), each rank updates its slice, and the parameters are all-gathered. The
// store then allocates m and v for that slice only (ParamStore::keep_moments): 2 n / N floats
// per rank instead of 2 n. A checkpoint still holds every moment: gather_moments assembles them
// on rank 0 for the write (for that moment rank 0 holds all of them), and on resume each rank
// reads its own slice from the file (checkpoint.cpp → copy_moments).
//
// In a single process (N = 1, unsharded) `update` is exactly clip_grad_norm + adamw_step.
// What it leaves out: gradient accumulation, overlapping communication with backward, ZeRO
// stages 2 and 3 (sharding the gradients and the weights too).
//
// Lesson 15 · data parallelism
#pragma once

#include "glulab/train/optim.hpp"
#include "glulab/core/params.hpp"

#include <cstddef>

namespace glulab {

// The rows [begin, begin + count) of a global batch of B that this rank computes. Throws
// glulab::Error (exit 2) when B is not a multiple of the number of ranks.
struct BatchRows {
    int begin = 0, count = 0;
};
BatchRows batch_rows(int B);

// The mean over ranks of a value each rank computed over its equal share of the rows.
double mean_over_ranks(double x);

class DataParallel {
public:
    // Sharded: frees the moments of `params` outside this rank's slice.
    DataParallel(ParamStore& params, bool shard_optimizer);

    // After tape.backward() on this rank's rows: the full-batch mean gradient, one clip, one
    // AdamW update with learning rate `lr` (`t` counts updates from 1). Returns the gradient
    // norm before clipping, the same on every rank.
    float update(ParamStore& params, const OptimConfig& cfg, float lr, int t);

    // Sharded only (else nothing): before save_optimizer, rank 0's store gets the whole of m
    // and v, every rank's slice in its place; release_moments then gives the other ranks'
    // slices back. The other ranks only send.
    void gather_moments(ParamStore& params) const;
    void release_moments(ParamStore& params) const;

    bool sharded() const { return sharded_; }
    // Bytes this rank hands to the collectives per update, and the seconds they took so far.
    size_t comm_bytes_per_update() const;
    double comm_seconds() const { return comm_seconds_; }

private:
    bool sharded_;
    size_t n_;                        // parameters in the store
    size_t begin_ = 0, end_ = 0;      // this rank's slice (sharded), else [0, n)
    double comm_seconds_ = 0;
};

}  // namespace glulab
