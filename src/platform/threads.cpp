// threads.cpp — choosing the thread count by measuring (see threads.hpp).
//
// Lesson 14 · making it fast
#include "glulab/platform/threads.hpp"

#include "glulab/platform/check.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <vector>

namespace glulab {


double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

ThreadChoice measure_thread_choice(const std::function<void()>& work) {
    ThreadChoice c;
    c.all = omp_get_max_threads();
    if (c.all <= 1) return c;
    auto run_ms = [&] {
        const auto t0 = std::chrono::steady_clock::now();
        work();
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    };
    run_ms();  // warm-up: page faults, the thread pool
    std::vector<double> one, all;
    for (int round = 0; round < 5; round++) {  // alternating, so a burst of load falls on both
        omp_set_num_threads(1);
        one.push_back(run_ms());
        omp_set_num_threads(c.all);
        all.push_back(run_ms());
    }
    c.one_ms = median(one);
    c.all_ms = median(all);
    c.threads = c.all_ms < 0.9 * c.one_ms ? c.all : 1;
    return c;
}

int choose_threads(int requested, const std::function<void()>& work) {
    GLULAB_CHECK(requested >= 0 && requested <= kMaxThreads, "0 means all cores",
                 "--threads {} is outside [0, {}]", requested, kMaxThreads);
    if (requested > 0) return requested;
    const char* env = std::getenv("OMP_NUM_THREADS");
    if (env && *env) return omp_get_max_threads();
    return measure_thread_choice(work).threads;
}

}  // namespace glulab
