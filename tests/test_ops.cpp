// test_ops.cpp — the kernels of ops.hpp against references and hand-worked values.
//
// gemm against gemm_naive (every transpose, odd sizes, split and unsplit), matmul's backward
// against its shape algebra, softmax and cross-entropy on values worked out by hand, attention
// against a direct loop and for causality, the activations at known points, dropout's
// statistics and determinism, and the checks that reject bad ids. Gradients are checked by
// finite differences in test_gradcheck.cpp, not here.
#include <doctest/doctest.h>

#include "glulab/platform/check.hpp"
#include "glulab/ops/gemm_trace.hpp"
#include "glulab/ops/ops.hpp"

#include "test_util.hpp"

#include <omp.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace glulab;
using glulab_test::error_message;

namespace {

// Uniform values in [-1, 1) from a tiny fixed generator, so every run sees the same numbers.
std::vector<float> random_vector(size_t n, uint32_t seed) {
    std::vector<float> v(n);
    uint32_t s = seed * 2654435761u + 1;
    for (float& x : v) {
        s = s * 1664525u + 1013904223u;
        x = static_cast<float>(s >> 8) / 8388608.0f - 1.0f;
    }
    return v;
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    float m = 0.0f;
    for (size_t i = 0; i < a.size(); i++) m = std::max(m, std::fabs(a[i] - b[i]));
    return m;
}

}  // namespace

// gemm
// ----

TEST_CASE("gemm matches gemm_naive for every transpose, beta 0 and 1, small and split") {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    struct Size {
        int M, N, K;
    };
    // 5*7*3 stays on one thread; 131*67*75 (about 2^19.3) is split over the OpenMP threads;
    // 1*300*1800 is split too, but its one row goes to one thread and the others get none.
    for (Size s : {Size{5, 7, 3}, Size{131, 67, 75}, Size{1, 300, 1800}}) {
        for (int t = 0; t < 4; t++) {
            const bool ta = t & 1, tb = t & 2;
            // Row strides a few floats wider than the rows, as when a block of qkv is used.
            const int lda = (ta ? s.M : s.K) + 3, ldb = (tb ? s.K : s.N) + 2, ldc = s.N + 1;
            const auto A = random_vector(size_t((ta ? s.K : s.M)) * lda, 1);
            const auto B = random_vector(size_t((tb ? s.N : s.K)) * ldb, 2);
            for (float beta : {0.0f, 1.0f}) {
                CAPTURE(s.M);
                CAPTURE(s.N);
                CAPTURE(s.K);
                CAPTURE(ta);
                CAPTURE(tb);
                CAPTURE(beta);
                // beta = 0 must not read C: start from NaN to prove it.
                std::vector<float> C = beta == 0.0f ? std::vector<float>(size_t(s.M) * ldc, nan)
                                                    : random_vector(size_t(s.M) * ldc, 3);
                std::vector<float> ref = C;
                gemm(ta, tb, s.M, s.N, s.K, 0.5f, A.data(), lda, B.data(), ldb, beta, C.data(),
                     ldc);
                gemm_naive(ta, tb, s.M, s.N, s.K, 0.5f, A.data(), lda, B.data(), ldb, beta,
                           ref.data(), ldc);
                // Compare only the N columns of each row; the padding keeps its NaN or value.
                float worst = 0.0f;
                for (int i = 0; i < s.M; i++)
                    for (int j = 0; j < s.N; j++) {
                        const size_t at = size_t(i) * ldc + j;
                        worst = std::max(worst, std::fabs(C[at] - ref[at]));
                    }
                CHECK(worst < 1e-4f);
            }
        }
    }
}

TEST_CASE("gemm inside a parallel region (no split) agrees with gemm outside") {
    const int M = 96, N = 80, K = 72;  // M*N*K = 552960 > 2^19: split when called from one thread
    const auto A = random_vector(size_t(M) * K, 4), B = random_vector(size_t(N) * K, 5);
    std::vector<float> outside(size_t(M) * N), inside(size_t(M) * N);
    gemm(false, true, M, N, K, 1.0f, A.data(), K, B.data(), K, 0.0f, outside.data(), N);
#pragma omp parallel num_threads(2)
    {
#pragma omp single
        gemm(false, true, M, N, K, 1.0f, A.data(), K, B.data(), K, 0.0f, inside.data(), N);
    }
    CHECK(max_abs_diff(outside, inside) < 1e-5f);
}

TEST_CASE("gemm_trace records every call's shape while on, from any thread, and nothing after") {
    const auto A = random_vector(size_t(8) * 6, 4), B = random_vector(size_t(6) * 5, 5);
    std::vector<float> C(size_t(8) * 5 * 2);
    std::vector<GemmCall> calls;
    gemm_trace(&calls);
    gemm(true, false, 6, 5, 8, 0.5f, A.data(), 6, B.data(), 5, 0.0f, C.data(), 5);
    int threads = 0;
#pragma omp parallel num_threads(2)
    {
        gemm(false, false, 8, 5, 6, 1.0f, A.data(), 6, B.data(), 5, 1.0f,
             C.data() + 40 * omp_get_thread_num(), 5);
#pragma omp single
        threads = omp_get_num_threads();
    }
    gemm_trace(nullptr);
    gemm(false, false, 8, 5, 6, 1.0f, A.data(), 6, B.data(), 5, 0.0f, C.data(), 5);
    REQUIRE(calls.size() == size_t(1 + threads));
    const GemmCall& first = calls[0];
    CHECK((first.trans_a && !first.trans_b && first.M == 6 && first.N == 5 && first.K == 8));
    CHECK((first.alpha == 0.5f && first.beta == 0.0f && first.lda == 6 && first.ldb == 5 && first.ldc == 5));
    CHECK_FALSE(first.in_parallel);
    for (size_t i = 1; i < calls.size(); i++)
        CHECK((calls[i].M == 8 && calls[i].beta == 1.0f && calls[i].in_parallel));
}

// matmul
// ------

TEST_CASE("matmul forward and backward follow the shape algebra, with and without trans_b") {
    const int M = 37, N = 23, K = 19;
    for (bool trans_b : {false, true}) {
        CAPTURE(trans_b);
        const auto a = random_vector(size_t(M) * K, 6), b = random_vector(size_t(K) * N, 7);
        const auto dout = random_vector(size_t(M) * N, 8);
        const int ldb = trans_b ? K : N;

        std::vector<float> out(size_t(M) * N), ref(size_t(M) * N);
        matmul_forward(out.data(), a.data(), b.data(), M, N, K, trans_b);
        gemm_naive(false, trans_b, M, N, K, 1.0f, a.data(), K, b.data(), ldb, 0.0f, ref.data(), N);
        CHECK(max_abs_diff(out, ref) < 1e-5f);

        // Backward adds to what is there: start from nonzero gradients.
        std::vector<float> da = random_vector(size_t(M) * K, 9);
        std::vector<float> db = random_vector(size_t(K) * N, 10);
        std::vector<float> da_ref = da, db_ref = db;
        matmul_backward(da.data(), db.data(), dout.data(), a.data(), b.data(), M, N, K, trans_b);
        // da (M, K) += dout (M, N) op(b)^T; op(b)^T is b^T, or b itself when trans_b.
        gemm_naive(false, !trans_b, M, K, N, 1.0f, dout.data(), N, b.data(), ldb, 1.0f,
                   da_ref.data(), K);
        if (trans_b)  // db (N, K) += dout^T (N, M) a (M, K)
            gemm_naive(true, false, N, K, M, 1.0f, dout.data(), N, a.data(), K, 1.0f,
                       db_ref.data(), K);
        else  // db (K, N) += a^T (K, M) dout (M, N)
            gemm_naive(true, false, K, N, M, 1.0f, a.data(), K, dout.data(), N, 1.0f,
                       db_ref.data(), N);
        CHECK(max_abs_diff(da, da_ref) < 1e-5f);
        CHECK(max_abs_diff(db, db_ref) < 1e-5f);

        // A null d-array is skipped.
        std::vector<float> db2 = random_vector(size_t(K) * N, 10);
        matmul_backward(nullptr, db2.data(), dout.data(), a.data(), b.data(), M, N, K, trans_b);
        CHECK(max_abs_diff(db2, db_ref) < 1e-5f);
    }
}

// elementwise
// -----------

TEST_CASE("add_bias, sum and mean: values, and backward accumulates") {
    const std::vector<float> x = {1, 2, 3, 4, 5, 6}, bias = {10, 20, 30};
    std::vector<float> out(6);
    add_bias_forward(out.data(), x.data(), bias.data(), 2, 3);
    CHECK(out == std::vector<float>{11, 22, 33, 14, 25, 36});
    std::vector<float> dx(6, 1.0f), dbias(3, 0.5f);
    add_bias_backward(dx.data(), dbias.data(), x.data(), 2, 3);  // dout = x
    CHECK(dx == std::vector<float>{2, 3, 4, 5, 6, 7});
    CHECK(dbias == std::vector<float>{5.5f, 7.5f, 9.5f});

    float s = 0.0f, m = 0.0f;
    sum_forward(&s, x.data(), 6);
    mean_forward(&m, x.data(), 6);
    CHECK(s == 21.0f);
    CHECK(m == 3.5f);
    std::vector<float> g(6, 1.0f);
    const float dout = 3.0f;
    mean_backward(g.data(), &dout, 6);
    CHECK(g[5] == doctest::Approx(1.5f));
}

// softmax and cross-entropy
// -------------------------

TEST_CASE("softmax rows sum to 1 and are stable for huge inputs") {
    const std::vector<float> x = {0, 1, 2, 1000, 1001, 1002, 1e30f, 1e30f, -1e30f};
    std::vector<float> out(9);
    softmax_forward(out.data(), x.data(), 3, 3);
    for (int i = 0; i < 3; i++) {
        float row = 0.0f;
        for (int j = 0; j < 3; j++) {
            CHECK(std::isfinite(out[size_t(i) * 3 + j]));
            row += out[size_t(i) * 3 + j];
        }
        CHECK(row == doctest::Approx(1.0f));
    }
    // Shifting a row by a constant changes nothing.
    for (int j = 0; j < 3; j++) CHECK(out[size_t(3 + j)] == doctest::Approx(out[size_t(j)]));
    CHECK(out[6] == doctest::Approx(0.5f));
    CHECK(out[8] == 0.0f);
}

TEST_CASE("softmax_row (vector exp) agrees with a double-precision softmax on rows of every length") {
    // Lengths that end on every lane of a vector loop, values over a wide range (exponents
    // from 0 down to about -40), so both the vector body and its remainder are checked.
    for (int C : {1, 2, 7, 8, 9, 31, 64, 65, 100}) {
        CAPTURE(C);
        std::vector<float> x(static_cast<size_t>(C)), out(x.size());
        for (int j = 0; j < C; j++) x[size_t(j)] = 0.37f * static_cast<float>((j * 29) % 97) - 20.0f;
        const float mx = row_max(x.data(), C);
        const float sum = softmax_row(out.data(), x.data(), C, mx);
        double z = 0;
        for (int j = 0; j < C; j++) z += std::exp(double(x[size_t(j)]) - mx);
        CHECK(sum == doctest::Approx(z).epsilon(1e-6));
        for (int j = 0; j < C; j++) {
            CAPTURE(j);
            CHECK(out[size_t(j)] == doctest::Approx(std::exp(double(x[size_t(j)]) - mx) / z).epsilon(1e-6));
        }
    }
}

TEST_CASE("cross_entropy on hand-worked rows") {
    // Row 0: uniform logits over V = 3, loss log 3. Row 1: p = (1/6, 2/6, 3/6), target 2,
    // loss -log(1/2) = log 2. Mean: (log 3 + log 2) / 2 = log(6) / 2.
    const int V = 3;
    const std::vector<float> logits = {5, 5, 5, std::log(1.0f), std::log(2.0f), std::log(3.0f)};
    const std::vector<int> targets = {0, 2};
    std::vector<float> probs(6);
    const float loss = cross_entropy_forward(probs.data(), logits.data(), targets.data(), 2, V);
    CHECK(loss == doctest::Approx(std::log(6.0) / 2));
    CHECK(probs[1] == doctest::Approx(1.0 / 3));
    CHECK(probs[3] == doctest::Approx(1.0 / 6));

    // dlogits += dloss (p - onehot) / N, with dloss = 2 and N = 2: just p - onehot.
    std::vector<float> dlogits(6, 1.0f);
    cross_entropy_backward(dlogits.data(), 2.0f, probs.data(), targets.data(), 2, V);
    CHECK(dlogits[0] == doctest::Approx(1.0 + 1.0 / 3 - 1));
    CHECK(dlogits[1] == doctest::Approx(1.0 + 1.0 / 3));
    CHECK(dlogits[5] == doctest::Approx(1.0 + 0.5 - 1));
}

TEST_CASE("cross_entropy with huge logits stays finite") {
    const std::vector<float> logits = {1e4f, 0.0f, -1e4f};
    const int target = 2;
    std::vector<float> probs(3);
    const float loss = cross_entropy_forward(probs.data(), logits.data(), &target, 1, 3);
    CHECK(loss == doctest::Approx(2e4f));
}

TEST_CASE("cross_entropy rejects a target outside [0, V), naming row, value and V") {
    const std::vector<float> logits(8, 0.0f);
    std::vector<float> probs(8);
    for (int bad : {4, -1}) {
        const std::vector<int> targets = {0, bad};
        const std::string msg = error_message(
            [&] { cross_entropy_forward(probs.data(), logits.data(), targets.data(), 2, 4); });
        CAPTURE(msg);
        CHECK(msg.find(fmt::format("target {} in row 1", bad)) != std::string::npos);
        CHECK(msg.find("V=4") != std::string::npos);
    }
}

// embedding
// ---------

TEST_CASE("embedding copies rows and scatters gradients back with +=") {
    const int V = 4, C = 3;
    const std::vector<float> weight = {0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32};
    const std::vector<int> ids = {2, 0, 2};
    std::vector<float> out(9);
    embedding_forward(out.data(), ids.data(), weight.data(), 3, C, V);
    CHECK(out == std::vector<float>{20, 21, 22, 0, 1, 2, 20, 21, 22});

    std::vector<float> dweight(12, 1.0f);
    const std::vector<float> dout = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    embedding_backward(dweight.data(), dout.data(), ids.data(), 3, C);
    // id 2 appears twice and receives rows 0 and 2; id 0 gets row 1; ids 1 and 3 nothing.
    CHECK(dweight == std::vector<float>{5, 6, 7, 1, 1, 1, 9, 11, 13, 1, 1, 1});
}

TEST_CASE("embedding backward with many repeated ids is race-free") {
    const int64_t N = 4096;
    const int C = 256, V = 5;  // N*C is large enough to run on every thread
    std::vector<int> ids(N);
    for (int64_t i = 0; i < N; i++) ids[size_t(i)] = int(i % V);
    const std::vector<float> dout(size_t(N) * C, 1.0f);
    std::vector<float> dweight(size_t(V) * C, 0.0f);
    embedding_backward(dweight.data(), dout.data(), ids.data(), N, C);
    for (int v = 0; v < V; v++) CHECK(dweight[size_t(v) * C + 7] == float((N - v + V - 1) / V));
}

TEST_CASE("embedding rejects an id outside [0, V), naming position, id and V") {
    const std::vector<float> weight(12, 0.0f);
    std::vector<float> out(9);
    const std::vector<int> ids = {0, 1, 7};
    const std::string msg =
        error_message([&] { embedding_forward(out.data(), ids.data(), weight.data(), 3, 3, 4); });
    CAPTURE(msg);
    CHECK(msg.find("id 7 at position 2") != std::string::npos);
    CHECK(msg.find("V=4") != std::string::npos);
    CHECK(msg.find("hint:") != std::string::npos);
}

// attention
// ---------

namespace {

// The definition, one (b, h, i) at a time: scores over j <= i, softmax, weighted sum of v.
std::vector<float> attention_direct(const std::vector<float>& qkv, int B, int T, int C, int NH) {
    const int HS = C / NH;
    std::vector<float> out(size_t(B) * T * C, 0.0f);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++)
            for (int i = 0; i < T; i++) {
                auto at = [&](int t, int part, int d) {
                    return double(qkv[(size_t(b) * T + t) * 3 * C + size_t(part) * C + h * HS + d]);
                };
                std::vector<double> w(size_t(i) + 1);
                double mx = -1e300, sum = 0;
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int d = 0; d < HS; d++) s += at(i, 0, d) * at(j, 1, d);
                    w[size_t(j)] = s / std::sqrt(double(HS));
                    mx = std::max(mx, w[size_t(j)]);
                }
                for (double& x : w) sum += (x = std::exp(x - mx));
                for (int d = 0; d < HS; d++) {
                    double o = 0;
                    for (int j = 0; j <= i; j++) o += w[size_t(j)] / sum * at(j, 2, d);
                    out[(size_t(b) * T + i) * C + h * HS + d] = float(o);
                }
            }
    return out;
}

}  // namespace

TEST_CASE("attention matches the direct loop") {
    const int B = 2, T = 7, C = 12, NH = 3;
    const auto qkv = random_vector(size_t(B) * T * 3 * C, 11);
    std::vector<float> out(size_t(B) * T * C), probs(size_t(B) * NH * T * T);
    attention_forward(out.data(), probs.data(), qkv.data(), B, T, C, NH);
    CHECK(max_abs_diff(out, attention_direct(qkv, B, T, C, NH)) < 1e-5f);
    // Every row of probs sums to 1 and is 0 above the diagonal.
    for (int r = 0; r < B * NH * T; r++) {
        const int i = r % T;
        float sum = 0.0f;
        for (int j = 0; j < T; j++) sum += probs[size_t(r) * T + j];
        CHECK(sum == doctest::Approx(1.0f));
        if (i + 1 < T) CHECK(probs[size_t(r) * T + i + 1] == 0.0f);
    }
}

TEST_CASE("attention with T = 1 returns v") {
    const int B = 2, T = 1, C = 8, NH = 2;
    const auto qkv = random_vector(size_t(B) * T * 3 * C, 12);
    std::vector<float> out(size_t(B) * C), probs(size_t(B) * NH);
    attention_forward(out.data(), probs.data(), qkv.data(), B, T, C, NH);
    for (int b = 0; b < B; b++)
        for (int c = 0; c < C; c++) {
            const float v = qkv[size_t(b) * 3 * C + 2 * C + c];
            CHECK(out[size_t(b) * C + c] == doctest::Approx(v));
        }
}

TEST_CASE("attention is causal: changing a token changes no earlier output") {
    const int B = 1, T = 6, C = 8, NH = 2, changed = 3;
    auto qkv = random_vector(size_t(T) * 3 * C, 13);
    std::vector<float> before(size_t(T) * C), after(size_t(T) * C), probs(size_t(NH) * T * T);
    attention_forward(before.data(), probs.data(), qkv.data(), B, T, C, NH);
    for (int c = 0; c < 3 * C; c++) qkv[size_t(changed) * 3 * C + c] += 1.0f;  // its q, k and v
    attention_forward(after.data(), probs.data(), qkv.data(), B, T, C, NH);
    for (int t = 0; t < T; t++) {
        float diff = 0.0f;
        for (int c = 0; c < C; c++)
            diff = std::max(diff, std::fabs(before[size_t(t) * C + c] - after[size_t(t) * C + c]));
        CAPTURE(t);
        if (t < changed) CHECK(diff == 0.0f);
        else CHECK(diff > 0.0f);
    }
}

TEST_CASE("attention backward accumulates and skips a null dqkv") {
    const int B = 1, T = 4, C = 4, NH = 2;
    const auto qkv = random_vector(size_t(T) * 3 * C, 14), dout = random_vector(size_t(T) * C, 15);
    std::vector<float> out(size_t(T) * C), probs(size_t(NH) * T * T);
    std::vector<float> scratch(size_t(attention_scratch_floats(B, T, NH)));
    attention_forward(out.data(), probs.data(), qkv.data(), B, T, C, NH);
    auto backward = [&](float* dqkv) {
        attention_backward(dqkv, scratch.data(), dout.data(), qkv.data(), probs.data(), B, T, C,
                           NH);
    };
    std::vector<float> once(qkv.size(), 0.0f), twice(qkv.size(), 0.0f);
    backward(once.data());
    backward(twice.data());
    backward(twice.data());
    for (float& g : once) g *= 2.0f;
    CHECK(max_abs_diff(once, twice) < 1e-6f);
    backward(nullptr);  // nothing to do, and no crash
}

// The blocked kernels against the plain square: T below, at and around the block size, and
// one that leaves a short last block. dqkv starts non-zero, so both must add, not overwrite.
TEST_CASE("attention: the blocked causal kernels agree with attention_naive") {
    const int B = 2, C = 12, NH = 3;
    for (int T : {1, 5, 31, 32, 33, 64, 75}) {
        CAPTURE(T);
        const auto qkv = random_vector(size_t(B) * T * 3 * C, 21);
        const auto dout = random_vector(size_t(B) * T * C, 22);
        const size_t nprobs = size_t(B) * NH * T * T;
        std::vector<float> out(size_t(B) * T * C), probs(nprobs, 0.0f);
        std::vector<float> out_ref(out.size()), probs_ref(nprobs);
        attention_forward(out.data(), probs.data(), qkv.data(), B, T, C, NH);
        attention_naive_forward(out_ref.data(), probs_ref.data(), qkv.data(), B, T, C, NH);
        CHECK(max_abs_diff(out, out_ref) < 1e-5f);
        float worst = 0.0f;  // over the entries the causal kernel defines: j <= i
        for (size_t r = 0; r < size_t(B) * NH * T; r++)
            for (size_t j = 0; j <= r % size_t(T); j++)
                worst = std::max(worst, std::fabs(probs[r * T + j] - probs_ref[r * T + j]));
        CHECK(worst < 1e-6f);

        std::vector<float> scratch(size_t(attention_scratch_floats(B, T, NH)));
        std::vector<float> scratch_ref(size_t(attention_naive_scratch_floats(B, T, NH)));
        auto dqkv = random_vector(qkv.size(), 23);
        auto dqkv_ref = dqkv;
        attention_backward(dqkv.data(), scratch.data(), dout.data(), qkv.data(), probs.data(), B,
                           T, C, NH);
        attention_naive_backward(dqkv_ref.data(), scratch_ref.data(), dout.data(), qkv.data(),
                                 probs_ref.data(), B, T, C, NH);
        CHECK(max_abs_diff(dqkv, dqkv_ref) < 1e-5f);
    }
}

// The point of the blocking: scores in blocks wholly above the diagonal are never computed
// nor stored. probs starts as NaN; afterwards exactly attention_score_count(T) entries per
// (b, h) hold numbers, fewer than T*T, and every P_ij with j <= i is among them.
TEST_CASE("attention never writes the blocks above the diagonal") {
    const int B = 1, T = 75, C = 8, NH = 2;
    const auto qkv = random_vector(size_t(B) * T * 3 * C, 24);
    std::vector<float> out(size_t(B) * T * C);
    std::vector<float> probs(size_t(B) * NH * T * T, std::numeric_limits<float>::quiet_NaN());
    attention_forward(out.data(), probs.data(), qkv.data(), B, T, C, NH);
    CHECK(attention_score_count(T) < int64_t{T} * T);
    for (int bh = 0; bh < B * NH; bh++) {
        int64_t written = 0;
        bool causal_part_set = true;
        for (int i = 0; i < T; i++)
            for (int j = 0; j < T; j++) {
                const bool set = !std::isnan(probs[(size_t(bh) * T + i) * T + j]);
                written += set;
                if (j <= i && !set) causal_part_set = false;
            }
        CAPTURE(bh);
        CHECK(written == attention_score_count(T));
        CHECK(causal_part_set);
    }
    for (float o : out) REQUIRE(std::isfinite(o));
}

// activations and the GLU family
// ------------------------------

TEST_CASE("activations at hand-computed points") {
    struct Point {
        Act act;
        float x, y;
    };
    // Reference values from the formulas in double precision.
    const Point points[] = {
        {Act::gelu, 1.0f, 0.8413447460685429f},       {Act::gelu, -1.0f, -0.15865525393145707f},
        {Act::gelu, -3.0f, -0.00404969409489031f},    {Act::gelu_tanh, 1.0f, 0.8411919906082768f},
        {Act::gelu_tanh, -3.0f, -0.0036373920817729943f}, {Act::sigmoid, 0.0f, 0.5f},
        {Act::sigmoid, 2.0f, 0.8807970779778823f},     {Act::silu, 1.0f, 0.7310585786300049f},
        {Act::silu, -3.0f, -0.14227761953270035f},     {Act::relu, -2.0f, 0.0f},
        {Act::relu, 2.5f, 2.5f},                        {Act::identity, -7.0f, -7.0f},
    };
    for (const Point& p : points) {
        CAPTURE(act_name(p.act));
        CAPTURE(p.x);
        float y = 0.0f;
        activation_forward(&y, &p.x, 1, p.act);
        CHECK(y == doctest::Approx(p.y).epsilon(1e-5));
    }
    // Derivatives at 0: gelu, gelu_tanh, silu 1/2; sigmoid 1/4; relu 0 (our value at the kink).
    const std::pair<Act, float> slopes[] = {{Act::gelu, 0.5f}, {Act::gelu_tanh, 0.5f},
                                            {Act::silu, 0.5f}, {Act::sigmoid, 0.25f},
                                            {Act::relu, 0.0f}, {Act::identity, 1.0f}};
    for (auto [act, slope] : slopes) {
        CAPTURE(act_name(act));
        const float x = 0.0f, dout = 1.0f;
        float dx = 1.0f;  // backward adds
        activation_backward(&dx, &dout, &x, 1, act);
        CHECK(dx == doctest::Approx(1.0f + slope));
    }
}

TEST_CASE("sigmoid stays finite and in [0, 1] for huge |x|") {
    const std::vector<float> x = {-1e4f, -100.0f, -80.0f, 80.0f, 1e4f};
    std::vector<float> y(x.size());
    activation_forward(y.data(), x.data(), int64_t(x.size()), Act::sigmoid);
    CHECK(y[0] == 0.0f);
    CHECK(y[2] > 0.0f);  // e^-80 = 1.8e-35 survives: no 1 - (a number that rounds to 1)
    CHECK(y[2] == doctest::Approx(1.8048513878454153e-35));
    CHECK(y[4] == 1.0f);
    for (float v : y) CHECK((v >= 0.0f && v <= 1.0f));
}

TEST_CASE("act_name names every activation") {
    CHECK(std::string(act_name(Act::identity)) == "identity");
    CHECK(std::string(act_name(Act::relu)) == "relu");
    CHECK(std::string(act_name(Act::gelu)) == "gelu");
    CHECK(std::string(act_name(Act::gelu_tanh)) == "gelu_tanh");
    CHECK(std::string(act_name(Act::sigmoid)) == "sigmoid");
    CHECK(std::string(act_name(Act::silu)) == "silu");
}

TEST_CASE("glu is act(gate) * up, with the product rule backward") {
    // SwiGLU at gate = 1, up = 3: out = 3 silu(1);
    // dgate = dout * 3 * silu'(1), dup = dout * silu(1).
    const float gate = 1.0f, up = 3.0f, dout = 2.0f;
    const float s = 0.7310585786300049f;  // sigmoid(1)
    float out = 0.0f, dgate = 0.0f, dup = 0.0f;
    glu_forward(&out, &gate, &up, 1, 1, 1, Act::silu);
    CHECK(out == doctest::Approx(3.0f * s));
    glu_backward(&dgate, &dup, &dout, &gate, &up, 1, 1, 1, Act::silu);
    CHECK(dgate == doctest::Approx(2.0f * 3.0f * s * (1.0f + (1.0f - s))));
    CHECK(dup == doctest::Approx(2.0f * s));
    // Bilinear (identity) is a plain product.
    glu_forward(&out, &gate, &up, 1, 1, 1, Act::identity);
    CHECK(out == 3.0f);
}

TEST_CASE("glu with a learned beta: act(beta * gate) * up; beta = 1 is the plain kernel, bit for bit") {
    // Two elements, silu, beta = 1.5: out_i = silu(1.5 g_i) u_i; dbeta = sum dout u silu'(1.5 g) g.
    const float gate[2] = {1.0f, -0.5f}, up[2] = {3.0f, 2.0f}, dout[2] = {2.0f, 1.0f}, beta = 1.5f;
    auto silu = [](double z) { return z / (1.0 + std::exp(-z)); };
    auto dsilu = [](double z) {
        const double s = 1.0 / (1.0 + std::exp(-z));
        return s * (1.0 + z * (1.0 - s));
    };
    float out[2], dgate[2] = {0, 0}, dup[2] = {0, 0}, dbeta = 0.5f;  // backward adds to dbeta
    glu_forward(out, gate, up, 1, 2, 2, Act::silu, &beta);
    glu_backward(dgate, dup, dout, gate, up, 1, 2, 2, Act::silu, &dbeta, &beta);
    double want_dbeta = 0.5;
    for (int i = 0; i < 2; i++) {
        const double z = beta * gate[i];
        CHECK(out[i] == doctest::Approx(silu(z) * up[i]).epsilon(1e-6));
        CHECK(dgate[i] == doctest::Approx(dout[i] * up[i] * dsilu(z) * beta).epsilon(1e-6));
        CHECK(dup[i] == doctest::Approx(dout[i] * silu(z)).epsilon(1e-6));
        want_dbeta += dout[i] * up[i] * dsilu(z) * gate[i];
    }
    CHECK(dbeta == doctest::Approx(want_dbeta).epsilon(1e-6));

    // beta = 1 against no beta, on rows large enough to run on the threads.
    const int64_t N = 300;
    const int H = 131;
    Rng rng(7);
    std::vector<float> g(static_cast<size_t>(N * H)), u(g.size()), d(g.size());
    for (size_t i = 0; i < g.size(); i++) {
        g[i] = static_cast<float>(4.0 * rng.uniform() - 2.0);
        u[i] = static_cast<float>(4.0 * rng.uniform() - 2.0);
        d[i] = static_cast<float>(4.0 * rng.uniform() - 2.0);
    }
    const float one = 1.0f;
    for (Act act : {Act::sigmoid, Act::identity, Act::relu, Act::gelu, Act::silu}) {
        CAPTURE(act_name(act));
        std::vector<float> o1(g.size()), o2(g.size()), dg1(g.size(), 0.0f), dg2(g.size(), 0.0f),
            du1(g.size(), 0.0f), du2(g.size(), 0.0f);
        glu_forward(o1.data(), g.data(), u.data(), N, H, H, act);
        glu_forward(o2.data(), g.data(), u.data(), N, H, H, act, &one);
        CHECK(o1 == o2);
        glu_backward(dg1.data(), du1.data(), d.data(), g.data(), u.data(), N, H, H, act);
        float db = 0.0f;
        glu_backward(dg2.data(), du2.data(), d.data(), g.data(), u.data(), N, H, H, act, &db, &one);
        CHECK(dg1 == dg2);
        CHECK(du1 == du2);
    }
}

TEST_CASE("glu reads gate and up as the halves of (N, 2H) rows [up | gate], ld = 2H") {
    // N = 2 rows, H = 3, Bilinear: out = gate * up. Row r is [up (3) | gate (3)].
    const float up_gate[2][6] = {{1, 2, 3, 10, 20, 30}, {4, 5, 6, -1, -2, -3}};
    float out[2][3] = {};
    glu_forward(&out[0][0], &up_gate[0][3], &up_gate[0][0], 2, 3, 6, Act::identity);
    const float want[2][3] = {{10, 40, 90}, {-4, -10, -18}};
    for (int r = 0; r < 2; r++)
        for (int i = 0; i < 3; i++) CHECK(out[r][i] == want[r][i]);
    // Backward writes each half of the gradient rows, and accumulates: dgate = dout * up,
    // dup = dout * gate, on top of what was there.
    float d[2][6];
    for (auto& row : d)
        for (float& v : row) v = 1.0f;
    const float dout[2][3] = {{1, 1, 1}, {2, 2, 2}};
    glu_backward(&d[0][3], &d[0][0], &dout[0][0], &up_gate[0][3], &up_gate[0][0], 2, 3, 6,
                 Act::identity);
    const float want_d[2][6] = {{11, 21, 31, 2, 3, 4}, {-1, -3, -5, 9, 11, 13}};
    for (int r = 0; r < 2; r++)
        for (int i = 0; i < 6; i++) CHECK(d[r][i] == want_d[r][i]);
}

// dropout
// -------

TEST_CASE("dropout: mask mean about 1, values 0 or 1/(1-p), deterministic on any thread count") {
    const int64_t n = 200000;
    const size_t count = static_cast<size_t>(n);
    const float p = 0.3f;
    const std::vector<float> x(count, 2.0f);
    std::vector<float> out(count), mask(count);
    dropout_forward(out.data(), mask.data(), x.data(), n, p, 42);
    const float keep = 1.0f / (1.0f - p);
    double sum = 0.0;
    int64_t dropped = 0, wrong = 0;
    for (int64_t i = 0; i < n; i++) {
        const float m = mask[size_t(i)];
        dropped += m == 0.0f;
        wrong += (m != 0.0f && m != keep) || out[size_t(i)] != 2.0f * m;
        sum += m;
    }
    CHECK(wrong == 0);
    CHECK(sum / double(n) == doctest::Approx(1.0).epsilon(0.01));
    CHECK(double(dropped) / double(n) == doctest::Approx(p).epsilon(0.02));

    // Same seed, same mask, with one thread or many; another seed, another mask.
    std::vector<float> out1(count), mask1(count), mask2(count);
    const int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    dropout_forward(out1.data(), mask1.data(), x.data(), n, p, 42);
    omp_set_num_threads(threads);
    CHECK(mask1 == mask);
    dropout_forward(out1.data(), mask2.data(), x.data(), n, p, 43);
    CHECK(mask2 != mask);

    // Backward multiplies by the same mask and adds.
    std::vector<float> dx(count, 1.0f);
    const std::vector<float> dout(count, 1.0f);
    dropout_backward(dx.data(), dout.data(), mask.data(), n);
    CHECK(dx[0] == 1.0f + mask[0]);
}
