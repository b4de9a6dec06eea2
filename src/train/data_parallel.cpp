// data_parallel.cpp — the data-parallel update, plain and ZeRO-1 (see data_parallel.hpp).
//
// Contains: batch_rows, mean_over_ranks, DataParallel. The collectives are dist.hpp's.
//
// Lesson 15 · data parallelism
#include "glulab/train/data_parallel.hpp"

#include "glulab/platform/check.hpp"
#include "glulab/platform/dist.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace glulab {

namespace {
using clock = std::chrono::steady_clock;
double seconds_since(clock::time_point t0) {
    return std::chrono::duration<double>(clock::now() - t0).count();
}
}  // namespace

BatchRows batch_rows(int B) {
    const int N = dist_size(), r = dist_rank();
    GLULAB_CHECK(B >= N && B % N == 0, "give a --batch that is a multiple of the rank count",
                 "--batch {} cannot be split over {} ranks: each rank needs the same whole number of "
                 "sequences", B, N);
    return BatchRows{r * (B / N), B / N};
}

double mean_over_ranks(double x) {
    dist_allreduce_sum(&x, 1);
    return x / dist_size();
}

DataParallel::DataParallel(ParamStore& params, bool shard_optimizer)
    : sharded_(shard_optimizer), n_(params.size()), end_(params.size()) {
    if (sharded_) {
        const Slice s = dist_slice(n_, dist_rank());
        begin_ = s.begin;
        end_ = s.end;
        params.keep_moments(begin_, end_);
    }
}

size_t DataParallel::comm_bytes_per_update() const {
    if (dist_size() == 1) return 0;
    // Unsharded: the whole gradient goes into the allreduce. Sharded: the whole gradient into
    // the reduce-scatter and this rank's slice of the weights into the all-gather.
    return n_ * sizeof(float) + (sharded_ ? (end_ - begin_) * sizeof(float) : 0);
}

// update
// ------
// Unsharded:
//     g <- allreduce_sum(g) / N       every rank: the full-batch mean gradient
//     clip_grad_norm, adamw_step      the single-process code, on identical inputs
//
// The parameter arena (params.hpp) keeps every gradient in one contiguous array, in the same
// order on every rank, so the whole model's gradient is one buffer and one MPI_Allreduce call:
// no per-tensor messages, no packing.
//
// Sharded (ZeRO-1), rank r owning the slice [b, e):
//     g[b, e) <- reduce_scatter_sum(g) / N
//     norm^2  <- allreduce_sum(chunk sums of g^2 over [b, e))   grad_norm's norm, from slices
//     clip g[b, e); AdamW on p[b, e) with this rank's m, v (the store's, of [b, e) only)
//     p       <- allgather(p[b, e) of every rank)
float DataParallel::update(ParamStore& params, const OptimConfig& cfg, float lr, int t) {
    const int N = dist_size();
    float* g = params.grad();
    if (!sharded_) {
        if (N > 1) {
            const auto t0 = clock::now();
            dist_allreduce_sum(g, n_);
            comm_seconds_ += seconds_since(t0);
            const float inv = 1.0f / static_cast<float>(N);
            for (size_t i = 0; i < n_; i++) g[i] *= inv;
        }
        const float norm = clip_grad_norm(params, cfg.clip);
        adamw_step(params, cfg, lr, t);
        return norm;
    }
    GLULAB_CHECK(t >= 1, "count updates from 1", "DataParallel::update: t = {}", t);
    auto t0 = clock::now();
    dist_reduce_scatter_sum(g, n_);
    comm_seconds_ += seconds_since(t0);
    const float inv = 1.0f / static_cast<float>(N);
    for (size_t i = begin_; i < end_; i++) g[i] *= inv;
    // grad_norm's 64 chunk sums, each rank adding its part: the same norm as unsharded.
    GradNormChunks partial{};
    grad_norm_chunks(g, n_, begin_, end_, partial);
    dist_allreduce_sum(partial.data(), partial.size());
    double sq = 0;
    for (double s : partial) sq += s;
    const float norm = static_cast<float>(std::sqrt(sq));
    if (cfg.clip > 0.0f && std::isfinite(norm) && norm > cfg.clip) {
        const float s = cfg.clip / norm;
        for (size_t i = begin_; i < end_; i++) g[i] *= s;
    }
    // adamw_step's loop, on the part of each entry that falls in this rank's slice.
    for (const ParamEntry& e : params.entries()) {
        const size_t lo = std::max(e.offset, begin_);
        const size_t hi = std::min(e.offset + static_cast<size_t>(e.shape.numel()), end_);
        if (lo >= hi) continue;
        adamw_update(params.data() + lo, params.adam_m() + (lo - begin_), params.adam_v() + (lo - begin_),
                     g + lo, static_cast<int64_t>(hi - lo), lr, e.decay ? lr * cfg.weight_decay : 0.0f,
                     cfg, t);
    }
    t0 = clock::now();
    dist_allgather(params.data(), n_);
    comm_seconds_ += seconds_since(t0);
    return norm;
}

// Rank 0's slice starts at 0, so keep_moments(0, n) leaves its own moments in place and the
// gather fills in the others'. The other ranks send from their slice-sized arrays.
void DataParallel::gather_moments(ParamStore& params) const {
    if (!sharded_) return;
    if (dist_rank() == 0) params.keep_moments(0, n_);
    dist_gather_to_root(params.adam_m(), params.adam_m(), n_);
    dist_gather_to_root(params.adam_v(), params.adam_v(), n_);
}

void DataParallel::release_moments(ParamStore& params) const {
    if (sharded_) params.keep_moments(begin_, end_);
}

}  // namespace glulab
