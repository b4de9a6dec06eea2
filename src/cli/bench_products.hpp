// bench_products.hpp — the ceiling of `glulab bench --products`: a step's matrix products
// timed alone, at their real shapes (bench_products.cpp).
//
// Lesson 14 · making it fast
#pragma once

#include "glulab/ops/gemm_trace.hpp"

#include <cstddef>
#include <vector>

namespace glulab {

// One shape's calls in a step (transposes, M, N, K, beta, inside a parallel region or not).
struct ShapeTiming {
    GemmCall shape;  // the first call of this shape (its strides and alpha)
    size_t calls = 0;
    double flops = 0, ms = 0;  // per step; ms the median
};

struct ProductTiming {
    double ms = 0;     // median time of one step's products
    double flops = 0;  // 2 M N K summed over the calls
    size_t calls = 0;
    double split_ms = 0, heads_ms = 0;        // the two parts' median times
    double split_flops = 0, heads_flops = 0;  // and their FLOPs
    size_t heads_calls = 0;
    std::vector<ShapeTiming> shapes;  // largest time first
};

// Replays `calls` (one step's, recorded by gemm_trace) for about `seconds` (at least 3 times).
ProductTiming time_products(const std::vector<GemmCall>& calls, double seconds);
// The --products table: one line per shape, largest time first, its share of `peak` GFLOP/s.
void print_product_shapes(const ProductTiming& t, double peak);

}  // namespace glulab
