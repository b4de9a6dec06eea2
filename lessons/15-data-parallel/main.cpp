// Lesson 15 · data parallelism — why N processes, each with B/N rows of the batch, compute the
// gradient of the whole batch; what the allreduce that joins them costs; what ZeRO-1 saves.
//
// In a plain build it plays the N ranks one after the other in this one process. Built with
// `make MPI=1 build/mpi/lessons/15` and started with `mpirun -np 2 build/mpi/lessons/15`, it
// also splits one batch over the real ranks and joins their gradients with an allreduce.
#include "glulab/train/data_parallel.hpp"
#include "glulab/nn/model.hpp"
#include "glulab/platform/blas.hpp"
#include "glulab/platform/dist.hpp"
#include "glulab/platform/rng.hpp"
#include "glulab/core/tape.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace glulab;

namespace {

constexpr int B = 8, T = 16, V = 20;

// The gradient of the mean loss over rows [first, first + rows) of the batch.
std::vector<float> gradient_of_rows(Transformer& model, Tape& tape, const std::vector<int>& idx,
                                    const std::vector<int>& tgt, int first, int rows) {
    ParamStore& ps = model.params();
    tape.reset();
    ps.zero_grad();
    const size_t at = static_cast<size_t>(first) * T;
    tape.backward(model.loss(tape, idx.data() + at, tgt.data() + at, rows, T));
    return std::vector<float>(ps.grad(), ps.grad() + ps.size());
}

// max_i |a_i - b_i| / max_i |b_i|: how far a is from b, relative to b's largest entry.
double relative_gap(const std::vector<float>& a, const std::vector<float>& b) {
    double gap = 0, scale = 0;
    for (size_t i = 0; i < a.size(); i++) {
        gap = std::max(gap, static_cast<double>(std::fabs(a[i] - b[i])));
        scale = std::max(scale, static_cast<double>(std::fabs(b[i])));
    }
    return gap / scale;
}

}  // namespace

int main(int argc, char** argv) {
    blas_startup(argc, argv, false);
    dist_init(argc, argv);
    const bool speaker = dist_rank() == 0;

    // 1. One batch, one model, the full-batch gradient.
    Transformer model(ModelConfig{.vocab_size = V, .ctx = T, .layers = 1, .d_model = 32, .heads = 2});
    model.init(1);
    Rng rng(2);
    std::vector<int> idx(B * T), tgt(B * T);
    for (size_t i = 0; i < idx.size(); i++) {
        idx[i] = static_cast<int>(rng.below(V));
        tgt[i] = static_cast<int>(rng.below(V));
    }
    Tape tape;
    const std::vector<float> full = gradient_of_rows(model, tape, idx, tgt, 0, B);
    const size_t P = full.size();
    if (speaker) fmt::print("model: {} parameters, batch B = {} sequences of T = {}\n\n", P, B, T);

    // 2. N ranks played in turn: rank r takes rows [r B/N, (r+1) B/N); the mean of the N
    //    gradients is the gradient of the whole batch.
    if (speaker) fmt::print("the mean of N rank gradients against the full-batch gradient:\n");
    for (int N : {2, 4, 8}) {
        std::vector<float> mean(P, 0.0f);
        for (int r = 0; r < N; r++) {
            const std::vector<float> g = gradient_of_rows(model, tape, idx, tgt, r * B / N, B / N);
            for (size_t i = 0; i < P; i++) mean[i] += g[i] / static_cast<float>(N);
        }
        if (speaker)
            fmt::print("  N = {}: {} rows each, largest gap {} 1e-5 of the largest entry\n", N, B / N,
                       relative_gap(mean, full) < 1e-5 ? "below" : "ABOVE");
    }

    // 3. The same split over the real ranks (under mpirun): one allreduce of the flat gradient.
    const int N = dist_size();
    if (B % N == 0) {
        std::vector<float> g = gradient_of_rows(model, tape, idx, tgt, dist_rank() * B / N, B / N);
        dist_allreduce_sum(g.data(), P);
        for (float& x : g) x /= static_cast<float>(N);
        if (speaker)
            fmt::print("  {} rank{} of this run (mpirun -np N for more): allreduce / N is the full "
                       "gradient: {}\n", N, N == 1 ? "" : "s", relative_gap(g, full) < 1e-5 ? "yes" : "NO");
    }

    // 4. What the allreduce costs: a ring sends (and receives) 2 (N-1)/N of the gradient per rank,
    //    whatever N: reduce-scatter (N-1 steps of 1/N), then all-gather (the same again).
    const double grad_mb = 4.0 * static_cast<double>(P) / 1e6;
    if (speaker) {
        fmt::print("\nring allreduce of the {:.3f} MB gradient, sent per rank per step:\n", grad_mb);
        for (int n : {2, 4, 8, 64}) fmt::print("  N = {:>2}: {:.3f} MB\n", n, 2.0 * (n - 1) / n * grad_mb);
    }

    // 5. ZeRO-1: each rank keeps AdamW's m and v (8 bytes a parameter) for 1/N of the parameters;
    //    the weights and the gradients (4 + 4 bytes) stay whole on every rank.
    if (speaker) {
        fmt::print("\nbytes per parameter and rank, weights + gradients + AdamW moments:\n");
        for (int n : {1, 2, 4, 8})
            fmt::print("  N = {}: 4 + 4 + 8/{} = {:>4.1f}   optimizer state {:.4f} MB per rank\n", n, n,
                       8.0 + 8.0 / n, 8.0 * static_cast<double>(P) / n / 1e6);
    }
    dist_finalize();
    return 0;
}
