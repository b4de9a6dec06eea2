// speed.hpp — timing the kernels: the peak of gemm, and a workload shaped like a training step.
//
// The platform layer chooses the thread count by timing work it is handed (platform/threads.hpp
// → choose_threads) and knows no kernels; these are the kernels' side of it, and the sgemm
// peak that `glulab info` and `glulab bench` print.
//
// Lesson 14 · making it fast
#pragma once

namespace glulab {

// GFLOP/s of gemm (ops.hpp, with its OpenMP split) on C (M, N) = A (M, K) B (K, N): repeats the
// product for about `seconds` and reports the fastest run (the peak), 2 M N K flops per run.
double measure_sgemm_gflops(int M, int N, int K, double seconds);

// What a step of the default model does most, five times: a (1024, 128) x (128, 128) gemm
// split over the threads, and two elementwise passes over 128K floats in their own parallel
// regions. About 10 ms at one thread. The training run's thread choice times it.
void step_probe();

}  // namespace glulab
