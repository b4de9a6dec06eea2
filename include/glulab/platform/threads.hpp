// threads.hpp — how many OpenMP threads to run on, chosen by measuring.
//
// On an idle 2-core machine two threads make a training step about 1.6x faster than one. With
// one of the cores taken by another program, they make it slower: every parallel region ends
// in a barrier, and the thread that shares its core with the other program is descheduled for
// a whole time slice now and then, so the thread on the free core waits at the barrier. A step
// has a few hundred regions. `choose_threads` measures instead of guessing: a short workload
// shaped like a step (row-split gemms and elementwise passes), timed at one thread and at all
// of them in alternation, and the larger count only when it is clearly faster.
//
// What it leaves out: adapting later, when the load changes during a run (measure again by
// starting again), and choosing counts between 1 and all.
//
// Lesson 14 · making it fast
#pragma once

#include <functional>
#include <vector>

namespace glulab {

// The measurement: milliseconds of `work` at 1 and at `threads` threads (medians of
// alternating runs), and the count chosen. The work is the caller's: a training run times a
// workload shaped like its step (ops/speed.hpp → step_probe), the sampler a few characters of
// its own (inference.hpp → choose_sample_threads), whose one-row products behave unlike a
// training step's. This layer knows no kernels, so it is handed them.
struct ThreadChoice {
    int threads = 1;    // what to run on: `all` if all_ms < 0.9 one_ms, else 1
    int all = 1;        // the count tried against 1: omp_get_max_threads() at the call
    double one_ms = 0;  // probe at 1 thread
    double all_ms = 0;  // probe at `all` threads
};
ThreadChoice measure_thread_choice(const std::function<void()>& work);

// The most threads --threads may ask for: OpenMP's runtime crashes at 100,000, and no machine
// glulab runs on has more cores than this.
inline constexpr int kMaxThreads = 256;

// The thread count for a run: `requested` when > 0 (--threads, at most kMaxThreads, checked),
// the OMP_NUM_THREADS setting when there is one, otherwise measure_thread_choice(work).threads.
// Leaves the OpenMP setting as it found it.
int choose_threads(int requested, const std::function<void()>& work);

// The median of timings: the middle value once sorted (of an even count, the upper middle).
// Every benchmark of glulab reports it, since one disturbed run moves it least.
double median(std::vector<double> v);

}  // namespace glulab
