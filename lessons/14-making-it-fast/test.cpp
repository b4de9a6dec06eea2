// Lesson 14 · tests of the exercise: the row blocks, and the split product against gemm_naive.
#include <doctest/doctest.h>

#include "exercise.hpp"
#include "glulab/ops/ops.hpp"
#include "glulab/platform/rng.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>
#include <tuple>

using namespace lesson14;

namespace {

std::vector<float> random_matrix(int rows, int cols, glulab::Rng& rng) {
    std::vector<float> x(static_cast<size_t>(rows) * cols);
    for (float& v : x) v = static_cast<float>(rng.uniform()) * 2.0f - 1.0f;
    return x;
}

// C = A B by the split, compared with gemm_naive on the whole product. C starts as NaN, so a
// row that no thread wrote is caught.
void check_product(int M, int N, int K, int threads) {
    glulab::Rng rng(static_cast<uint64_t>(M * 1000 + N * 100 + K * 10 + threads));
    const std::vector<float> A = random_matrix(M, K, rng), B = random_matrix(K, N, rng);
    std::vector<float> C(static_cast<size_t>(M) * N, std::numeric_limits<float>::quiet_NaN());
    std::vector<float> ref(C.size());
    gemm_split_rows(M, N, K, A.data(), B.data(), C.data(), threads);
    glulab::gemm_naive(false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, ref.data(), N);
    INFO("M=" << M << " N=" << N << " K=" << K << " threads=" << threads);
    for (size_t i = 0; i < C.size(); i++) {
        INFO("element " << i << " (row " << i / static_cast<size_t>(N) << ")");
        REQUIRE(C[i] == doctest::Approx(ref[i]).epsilon(1e-6));
    }
}

}  // namespace

TEST_SUITE("lesson14") {
    TEST_CASE("row_block: 10 rows over 4 threads, derived by hand") {
        // Every row i goes to the t with t < (i + 1) threads / M <= t + 1 (exercise.hpp).
        const int M = 10, threads = 4;
        std::vector<int> owner(M);
        for (int i = 0; i < M; i++) owner[static_cast<size_t>(i)] = ((i + 1) * threads + M - 1) / M - 1;
        const FourBlocks yours = ten_rows_four_threads();
        for (int t = 0; t < threads; t++) {
            const int begin = static_cast<int>(std::find(owner.begin(), owner.end(), t) - owner.begin());
            const int end = static_cast<int>(owner.rend() - std::find(owner.rbegin(), owner.rend(), t));
            INFO("thread " << t << ": yours [" << yours.block[t].begin << ", " << yours.block[t].end
                           << "), the rule gives [" << begin << ", " << end << ")");
            CHECK(yours.block[t].begin == begin);
            CHECK(yours.block[t].end == end);
        }
    }

    TEST_CASE("row_block: the formula of gemm's split") {
        CHECK(row_block(10, 0, 3).begin == 0);
        CHECK(row_block(10, 0, 3).end == 3);
        CHECK(row_block(10, 1, 3).begin == 3);
        CHECK(row_block(10, 1, 3).end == 6);
        CHECK(row_block(10, 2, 3).begin == 6);
        CHECK(row_block(10, 2, 3).end == 10);
        CHECK(row_block(7, 0, 1).begin == 0);
        CHECK(row_block(7, 0, 1).end == 7);
    }

    TEST_CASE("row_block: the blocks cover every row once, sizes differ by at most one") {
        for (int M : {1, 2, 5, 16, 17, 100})
            for (int threads : {1, 2, 3, 4, 7, 8, 150}) {
                INFO("M=" << M << " threads=" << threads);
                int next = 0, smallest = M, largest = 0;
                for (int t = 0; t < threads; t++) {
                    const RowBlock r = row_block(M, t, threads);
                    CHECK(r.begin == next);  // contiguous, in order, no gap, no overlap
                    CHECK(r.end >= r.begin);
                    next = r.end;
                    smallest = std::min(smallest, r.end - r.begin);
                    largest = std::max(largest, r.end - r.begin);
                }
                CHECK(next == M);
                CHECK(largest - smallest <= 1);
            }
    }

    TEST_CASE("row_block: no int overflow for large M") {
        const int M = 1 << 30;
        CHECK(row_block(M, 2, 3).begin == 715827882);
        CHECK(row_block(M, 2, 3).end == M);
    }

    TEST_CASE("gemm_split_rows: agrees with gemm_naive on one, two and many threads") {
        for (int threads : {1, 2, 3, 4}) check_product(37, 29, 23, threads);
        check_product(64, 64, 64, 4);
    }

    TEST_CASE("gemm_split_rows: more threads than rows, a single row, a single column") {
        check_product(3, 8, 5, 8);
        check_product(1, 16, 9, 2);
        check_product(13, 1, 7, 3);
    }
}

// Exercise 6: the tiled product against gemm_naive, for odd sizes and every kind of tile.
TEST_SUITE("lesson14") {
    TEST_CASE("gemm_tiled equals gemm_naive for odd sizes, tiny and large tiles") {
        for (auto [M, N, K] : {std::tuple{1, 1, 1}, std::tuple{7, 5, 3}, std::tuple{33, 65, 17},
                               std::tuple{64, 64, 64}})
            for (int tile : {1, 4, 32, 64, 100}) {
                glulab::Rng rng(5);
                std::vector<float> A(static_cast<size_t>(M * K)), B(static_cast<size_t>(K * N));
                for (float& x : A) x = static_cast<float>(rng.normal());
                for (float& x : B) x = static_cast<float>(rng.normal());
                std::vector<float> want(static_cast<size_t>(M * N), 0.0f);
                std::vector<float> got(static_cast<size_t>(M * N), std::numeric_limits<float>::quiet_NaN());
                glulab::gemm_naive(false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, want.data(), N);
                gemm_tiled(M, N, K, A.data(), B.data(), got.data(), tile);
                int wrong = 0;
                for (size_t k = 0; k < want.size(); k++)
                    wrong += !(std::abs(got[k] - want[k]) <= 1e-4f * (1.0f + std::abs(want[k])));
                INFO("M N K = " << M << " " << N << " " << K << ", tile " << tile);
                CHECK(wrong == 0);
            }
    }
}
