// main.cpp — the doctest runner for build/tests, and the heap-allocation counter.
//
// Like the glulab program, the tests run OpenBLAS on one thread: glulab's parallel loops are
// OpenMP's (see blas_startup in src/platform/blas.cpp). They never touch OPENBLAS_CORETYPE.
//
// The tests count heap allocations through include/glulab/platform/alloc_counter.hpp:
// test_alloc.cpp runs training steps and checks that steps 2..N allocate nothing.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cblas.h>


int main(int argc, char** argv) {
    openblas_set_num_threads(1);
    doctest::Context context(argc, argv);
    return context.run();
}
