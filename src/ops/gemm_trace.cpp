// gemm_trace.cpp — a record of gemm's calls (see gemm_trace.hpp): a hook on gemm, outside it.
//
// Lesson 14 · making it fast
#include "glulab/ops/gemm_trace.hpp"

#include <omp.h>

namespace glulab {

namespace {
std::vector<GemmCall>* trace = nullptr;  // null unless `glulab bench --products` is on

// gemm's hook while tracing. It runs on the thread that called gemm, so the nesting level is
// that call's: inside a parallel region (attention's heads) or not. Calls from several threads
// append one at a time.
void record(const GemmCall& call) {
    GemmCall c = call;
    c.in_parallel = omp_get_level() > 0;
#pragma omp critical(gemm_trace)
    trace->push_back(c);
}
}  // namespace

void gemm_trace(std::vector<GemmCall>* calls) {
    trace = calls;
    set_gemm_hook(calls ? record : nullptr);
}

}  // namespace glulab
