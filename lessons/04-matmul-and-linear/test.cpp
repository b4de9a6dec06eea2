// Lesson 04 · tests of the exercise: matmul_naive against gemm_naive, its backward against
// glulab's matmul_backward and against central differences, with and without trans_b.
#include <doctest/doctest.h>

#include "exercise.hpp"
#include "glulab/ops/ops.hpp"
#include "glulab/platform/rng.hpp"

#include <cmath>
#include <limits>
#include <tuple>
#include <vector>

using namespace lesson04;

namespace {

std::vector<float> random(size_t n, uint64_t seed) {
    glulab::Rng rng(seed);
    std::vector<float> v(n);
    for (float& x : v) x = static_cast<float>(rng.normal());
    return v;
}

void check_close(const std::vector<float>& got, const std::vector<float>& want, double tol) {
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); i++) {
        INFO("element " << i);
        CHECK(got[i] == doctest::Approx(want[i]).epsilon(tol).scale(1.0));
    }
}

struct Sizes {
    int M, N, K;
};
constexpr Sizes kSizes[] = {{1, 1, 1}, {3, 5, 4}, {6, 2, 7}, {4, 4, 4}};

}  // namespace

TEST_SUITE("lesson04") {
    TEST_CASE("matmul_by_hand: the small case of exercise.hpp, worked by hand") {
        const float a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8}, dout[4] = {1, 0, 0, 2};
        float da[4] = {}, db[4] = {}, da_t[4] = {}, db_t[4] = {};
        glulab::matmul_backward(da, db, dout, a, b, 2, 2, 2, false);
        glulab::matmul_backward(da_t, db_t, dout, a, b, 2, 2, 2, true);
        const MatmulByHand yours = matmul_by_hand();
        for (int i = 0; i < 4; i++) {
            INFO("element " << i << " (row " << i / 2 << ", column " << i % 2 << ")");
            CHECK(yours.da[i] == da[i]);
            CHECK(yours.db[i] == db[i]);
            CHECK(yours.db_trans_b[i] == db_t[i]);
        }
    }

    TEST_CASE("matmul_naive: a small product worked by hand") {
        const float a[6] = {1, 2, 3, 4, 5, 6};   // (2, 3)
        const float b[6] = {1, 0, 0, 1, 1, 1};   // (3, 2)
        const float bt[6] = {1, 0, 1, 0, 1, 1};  // the same b stored transposed, (2, 3)
        float out[4];
        matmul_naive(out, a, b, 2, 2, 3, false);
        CHECK(out[0] == 4);
        CHECK(out[1] == 5);
        CHECK(out[2] == 10);
        CHECK(out[3] == 11);
        matmul_naive(out, a, bt, 2, 2, 3, true);
        CHECK(out[0] == 4);
        CHECK(out[1] == 5);
        CHECK(out[2] == 10);
        CHECK(out[3] == 11);
    }

    TEST_CASE("matmul_naive agrees with gemm_naive, and overwrites out") {
        for (bool trans_b : {false, true})
            for (Sizes s : kSizes) {
                INFO("M " << s.M << " N " << s.N << " K " << s.K << " trans_b " << trans_b);
                std::vector<float> a = random(size_t(s.M * s.K), 1), b = random(size_t(s.K * s.N), 2);
                std::vector<float> want(size_t(s.M * s.N));
                glulab::gemm_naive(false, trans_b, s.M, s.N, s.K, 1.0f, a.data(), s.K, b.data(),
                                   trans_b ? s.K : s.N, 0.0f, want.data(), s.N);
                std::vector<float> got(want.size(), std::numeric_limits<float>::quiet_NaN());
                matmul_naive(got.data(), a.data(), b.data(), s.M, s.N, s.K, trans_b);
                check_close(got, want, 1e-5);
            }
    }

    TEST_CASE("matmul_backward_naive agrees with glulab's matmul_backward, and adds (+=)") {
        for (bool trans_b : {false, true})
            for (Sizes s : kSizes) {
                INFO("M " << s.M << " N " << s.N << " K " << s.K << " trans_b " << trans_b);
                std::vector<float> a = random(size_t(s.M * s.K), 3), b = random(size_t(s.K * s.N), 4);
                std::vector<float> dout = random(size_t(s.M * s.N), 5);
                // Both start from the same non-zero values, as if another op had already added.
                std::vector<float> da_want(a.size(), 0.5f), db_want(b.size(), -0.25f);
                glulab::matmul_backward(da_want.data(), db_want.data(), dout.data(), a.data(),
                                        b.data(), s.M, s.N, s.K, trans_b);
                std::vector<float> da(a.size(), 0.5f), db(b.size(), -0.25f);
                matmul_backward_naive(da.data(), db.data(), dout.data(), a.data(), b.data(), s.M,
                                      s.N, s.K, trans_b);
                check_close(da, da_want, 1e-5);
                check_close(db, db_want, 1e-5);
            }
    }

    TEST_CASE("matmul_backward_naive skips a null da or db") {
        const int M = 3, N = 5, K = 4;
        std::vector<float> a = random(M * K, 6), b = random(K * N, 7), dout = random(M * N, 8);
        std::vector<float> da(a.size(), 0.0f), db(b.size(), 0.0f);
        std::vector<float> da_want(a.size(), 0.0f), db_want(b.size(), 0.0f);
        glulab::matmul_backward(da_want.data(), db_want.data(), dout.data(), a.data(), b.data(), M,
                                N, K, false);
        matmul_backward_naive(nullptr, db.data(), dout.data(), a.data(), b.data(), M, N, K, false);
        matmul_backward_naive(da.data(), nullptr, dout.data(), a.data(), b.data(), M, N, K, false);
        check_close(da, da_want, 1e-5);
        check_close(db, db_want, 1e-5);
    }

    TEST_CASE("matmul_backward_naive matches central differences of L = sum(out * w)") {
        const int M = 3, N = 4, K = 5;
        for (bool trans_b : {false, true}) {
            INFO("trans_b " << trans_b);
            std::vector<float> a = random(M * K, 9), b = random(K * N, 10), w = random(M * N, 11);
            auto loss = [&] {
                std::vector<float> out(M * N);
                glulab::matmul_forward(out.data(), a.data(), b.data(), M, N, K, trans_b);
                double L = 0;
                for (int i = 0; i < M * N; i++) L += double(out[size_t(i)]) * w[size_t(i)];
                return L;
            };
            std::vector<float> da(a.size(), 0.0f), db(b.size(), 0.0f);
            matmul_backward_naive(da.data(), db.data(), w.data(), a.data(), b.data(), M, N, K,
                                  trans_b);  // dL/dout = w
            for (auto [x, dx, name] : {std::tuple{&a, &da, "a"}, std::tuple{&b, &db, "b"}})
                for (size_t i = 0; i < x->size(); i++) {
                    INFO("d" << name << " element " << i);
                    const float x0 = (*x)[i], x_up = x0 + 1e-2f, x_down = x0 - 1e-2f;
                    (*x)[i] = x_up;
                    const double up = loss();
                    (*x)[i] = x_down;
                    const double down = loss();
                    (*x)[i] = x0;
                    // L is linear in each element, so the difference is exact up to rounding.
                    const double numeric = (up - down) / (double(x_up) - x_down);
                    CHECK((*dx)[i] == doctest::Approx(numeric).epsilon(1e-3).scale(1.0));
                }
        }
    }
}

// Exercise 5: the backward of out = a^T b, against central differences of sum(out * w).
TEST_SUITE("lesson04") {
    TEST_CASE("matmul_at_backward: gradients of sum(a^T b * w) match central differences, added") {
        for (auto [M, N, K] : {std::tuple{1, 1, 1}, std::tuple{3, 2, 4}, std::tuple{5, 7, 3}}) {
            glulab::Rng rng(7);
            std::vector<float> a(static_cast<size_t>(K * M)), b(static_cast<size_t>(K * N));
            std::vector<float> w(static_cast<size_t>(M * N));
            for (float& x : a) x = static_cast<float>(rng.normal());
            for (float& x : b) x = static_cast<float>(rng.normal());
            for (float& x : w) x = static_cast<float>(rng.normal());
            // loss = sum_ij (a^T b)_ij w_ij, computed in double; dout = w.
            auto loss = [&](const std::vector<float>& av, const std::vector<float>& bv) {
                double total = 0;
                for (int i = 0; i < M; i++)
                    for (int j = 0; j < N; j++)
                        for (int p = 0; p < K; p++)
                            total += double(av[p * M + i]) * bv[p * N + j] * w[i * N + j];
                return total;
            };
            std::vector<float> da(a.size(), 0.5f), db(b.size(), -0.25f);  // already hold values
            matmul_at_backward(da.data(), db.data(), w.data(), a.data(), b.data(), M, N, K);
            const float h = 1e-2f;
            for (size_t k = 0; k < a.size(); k++) {
                auto up = a, down = a;
                up[k] += h;
                down[k] -= h;
                INFO("M N K = " << M << " " << N << " " << K << ", da[" << k << "]");
                CHECK(da[k] - 0.5f == doctest::Approx((loss(up, b) - loss(down, b)) / (2 * h)).epsilon(1e-3));
            }
            for (size_t k = 0; k < b.size(); k++) {
                auto up = b, down = b;
                up[k] += h;
                down[k] -= h;
                INFO("M N K = " << M << " " << N << " " << K << ", db[" << k << "]");
                CHECK(db[k] + 0.25f == doctest::Approx((loss(a, up) - loss(a, down)) / (2 * h)).epsilon(1e-3));
            }
            // A null gradient array is skipped.
            matmul_at_backward(nullptr, db.data(), w.data(), a.data(), b.data(), M, N, K);
        }
    }
}
