// Lesson 08 · RMSNorm — tests of the exercise: your rms_norm_backward against the library's,
// against central differences of the forward, and on the properties the derivation predicts.
#include <doctest/doctest.h>

#include "exercise.hpp"
#include "glulab/ops/ops.hpp"
#include "glulab/platform/rng.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace {

constexpr float kEps = 1e-5f;

struct Case {
    int N, C;
    std::vector<float> x, g, dout, out, rstd;
};

// Random x (N, C), gain near 1, dout, and the library's forward (out and rstd).
Case make_case(int N, int C, uint64_t seed) {
    glulab::Rng rng(seed);
    Case k{N, C, {}, {}, {}, {}, {}};
    for (int i = 0; i < N * C; i++) k.x.push_back(static_cast<float>(rng.normal()));
    for (int c = 0; c < C; c++) k.g.push_back(1.0f + 0.5f * static_cast<float>(rng.normal()));
    for (int i = 0; i < N * C; i++) k.dout.push_back(static_cast<float>(rng.normal()));
    k.out.resize(k.x.size());
    k.rstd.resize(static_cast<size_t>(N));
    glulab::rms_norm_forward(k.out.data(), k.rstd.data(), k.x.data(), k.g.data(), N, C, kEps);
    return k;
}

// L = sum(out * dout) for one row, in double: the function whose gradient we check.
double row_loss(const double* x, const float* g, const float* dout, int C) {
    double ss = 0;
    for (int c = 0; c < C; c++) ss += x[c] * x[c];
    const double r = 1.0 / std::sqrt(ss / C + kEps);
    double L = 0;
    for (int c = 0; c < C; c++) L += x[c] * r * g[c] * dout[c];
    return L;
}

}  // namespace

TEST_SUITE("lesson08") {
    TEST_CASE("rms_norm_by_hand: the small case of exercise.hpp, worked by hand") {
        const float x[4] = {2, -2, 2, -2}, g[4] = {1, 1, 1, 1}, dout[4] = {1, 0, 0, 0};
        float out[4], rstd[1], dx[4] = {}, dg[4] = {};
        glulab::rms_norm_forward(out, rstd, x, g, 1, 4, 0.0f);
        glulab::rms_norm_backward(dx, dg, dout, x, g, rstd, 1, 4);
        const lesson08::RmsNormByHand yours = lesson08::rms_norm_by_hand();
        CHECK(yours.rstd == doctest::Approx(rstd[0]));
        for (int c = 0; c < 4; c++) {
            INFO("c = " << c);
            CHECK(yours.dx[c] == doctest::Approx(dx[c]));
            CHECK(yours.dg[c] == doctest::Approx(dg[c]));
        }
    }

    TEST_CASE("matches the library's rms_norm_backward") {
        const std::pair<int, int> sizes[] = {{1, 1}, {3, 8}, {5, 17}, {64, 128}};
        for (auto [N, C] : sizes) {
            Case k = make_case(N, C, static_cast<uint64_t>(N * 100 + C));
            std::vector<float> dx(k.x.size(), 0.0f), dg(k.g.size(), 0.0f), ldx = dx, ldg = dg;
            lesson08::rms_norm_backward(dx.data(), dg.data(), k.dout.data(), k.x.data(),
                                        k.g.data(), k.rstd.data(), N, C);
            glulab::rms_norm_backward(ldx.data(), ldg.data(), k.dout.data(), k.x.data(),
                                      k.g.data(), k.rstd.data(), N, C);
            for (size_t i = 0; i < dx.size(); i++) {
                INFO("N = " << N << ", C = " << C << ": dx[" << i / C << "][" << i % C << "]");
                CHECK(dx[i] == doctest::Approx(ldx[i]).epsilon(1e-4).scale(1.0));
            }
            for (size_t c = 0; c < dg.size(); c++) {
                INFO("N = " << N << ", C = " << C << ": dg[" << c << "]");
                CHECK(dg[c] == doctest::Approx(ldg[c]).epsilon(1e-4).scale(1.0));
            }
        }
    }

    TEST_CASE("dx matches central differences of the forward") {
        const int N = 3, C = 8;
        Case k = make_case(N, C, 11);
        std::vector<float> dx(k.x.size(), 0.0f);
        lesson08::rms_norm_backward(dx.data(), nullptr, k.dout.data(), k.x.data(), k.g.data(),
                                    k.rstd.data(), N, C);
        const double h = 1e-5;
        for (int i = 0; i < N; i++)
            for (int c = 0; c < C; c++) {
                std::vector<double> row(k.x.begin() + i * C, k.x.begin() + (i + 1) * C);
                const float* g = k.g.data();
                const float* d = k.dout.data() + i * C;
                row[c] += h;
                const double up = row_loss(row.data(), g, d, C);
                row[c] -= 2 * h;
                const double down = row_loss(row.data(), g, d, C);
                const double numeric = (up - down) / (2 * h);
                INFO("dx[" << i << "][" << c << "]: yours " << dx[i * C + c] << ", numeric "
                           << numeric);
                const double tol = 1e-4 * std::max(1.0, std::fabs(numeric));
                CHECK(std::fabs(dx[i * C + c] - numeric) <= tol);
            }
    }

    TEST_CASE("dg sums dout * xhat over every row") {
        const int N = 6, C = 4;
        Case k = make_case(N, C, 12);
        std::vector<float> dg(C, 0.0f);
        lesson08::rms_norm_backward(nullptr, dg.data(), k.dout.data(), k.x.data(), k.g.data(),
                                    k.rstd.data(), N, C);
        for (int c = 0; c < C; c++) {
            double expected = 0;
            for (int i = 0; i < N; i++)
                expected += double(k.dout[i * C + c]) * k.x[i * C + c] * k.rstd[i];
            INFO("dg[" << c << "]");
            CHECK(dg[c] == doctest::Approx(expected).epsilon(1e-5));
        }
    }

    TEST_CASE("accumulates (+=) into dx and dg, and skips null arrays") {
        const int N = 2, C = 5;
        Case k = make_case(N, C, 13);
        std::vector<float> dx(k.x.size(), 0.0f), dg(C, 0.0f);
        lesson08::rms_norm_backward(dx.data(), dg.data(), k.dout.data(), k.x.data(), k.g.data(),
                                    k.rstd.data(), N, C);
        std::vector<float> dx2(k.x.size(), 1.0f), dg2(C, -2.0f);
        lesson08::rms_norm_backward(dx2.data(), dg2.data(), k.dout.data(), k.x.data(),
                                    k.g.data(), k.rstd.data(), N, C);
        for (size_t i = 0; i < dx.size(); i++) CHECK(dx2[i] == doctest::Approx(1.0f + dx[i]));
        for (size_t c = 0; c < dg.size(); c++) CHECK(dg2[c] == doctest::Approx(-2.0f + dg[c]));
        lesson08::rms_norm_backward(nullptr, nullptr, k.dout.data(), k.x.data(), k.g.data(),
                                    k.rstd.data(), N, C);  // must not crash
    }

    TEST_CASE("the gradient is orthogonal to its row (scaling x leaves out unchanged)") {
        const int N = 4, C = 16;
        Case k = make_case(N, C, 14);
        std::vector<float> dx(k.x.size(), 0.0f);
        lesson08::rms_norm_backward(dx.data(), nullptr, k.dout.data(), k.x.data(), k.g.data(),
                                    k.rstd.data(), N, C);
        for (int i = 0; i < N; i++) {
            double dot = 0, xx = 0, dd = 0;
            for (int c = 0; c < C; c++) {
                dot += double(k.x[i * C + c]) * dx[i * C + c];
                xx += double(k.x[i * C + c]) * k.x[i * C + c];
                dd += double(dx[i * C + c]) * dx[i * C + c];
            }
            INFO("row " << i << ": x . dx = " << dot);
            CHECK(dd > 0);
            CHECK(std::fabs(dot) <= 1e-4 * std::sqrt(xx * dd));
        }
    }
}

// Exercise 2: LayerNorm, forward and backward
// -------------------------------------------
// Your layer_norm_forward against the library's kernel, then your layer_norm_backward against
// the kernel and against central differences of a double-precision LayerNorm written here from
// the definition (not from either kernel).
namespace {

struct LnCase {
    int N, C;
    std::vector<float> x, g, b, dout, out, mean, rstd;  // out, mean, rstd: the library's forward
};

// x off-centre (mean 1.5), so the path through the mean matters; gain near 1; bias and dout.
LnCase make_ln_case(int N, int C, uint64_t seed) {
    glulab::Rng rng(seed);
    LnCase k{N, C, {}, {}, {}, {}, {}, {}, {}};
    for (int i = 0; i < N * C; i++) k.x.push_back(1.5f + static_cast<float>(rng.normal()));
    for (int c = 0; c < C; c++) k.g.push_back(1.0f + 0.5f * static_cast<float>(rng.normal()));
    for (int c = 0; c < C; c++) k.b.push_back(0.5f * static_cast<float>(rng.normal()));
    for (int i = 0; i < N * C; i++) k.dout.push_back(static_cast<float>(rng.normal()));
    k.out.resize(k.x.size());
    k.mean.resize(static_cast<size_t>(N));
    k.rstd.resize(static_cast<size_t>(N));
    glulab::layer_norm_forward(k.out.data(), k.mean.data(), k.rstd.data(), k.x.data(), k.g.data(),
                               k.b.data(), N, C, kEps);
    return k;
}

// L = sum_c(out_c * dout_c) for one row, in double, straight from the definition.
double ln_row_loss(const double* x, const float* g, const float* b, const float* dout, int C) {
    double m = 0, var = 0;
    for (int c = 0; c < C; c++) m += x[c];
    m /= C;
    for (int c = 0; c < C; c++) var += (x[c] - m) * (x[c] - m);
    const double r = 1.0 / std::sqrt(var / C + kEps);
    double L = 0;
    for (int c = 0; c < C; c++) L += ((x[c] - m) * r * g[c] + b[c]) * dout[c];
    return L;
}

}  // namespace

TEST_SUITE("lesson08") {
    TEST_CASE("layer_norm_forward matches the library's: out, mean and rstd") {
        const std::pair<int, int> sizes[] = {{1, 2}, {3, 8}, {5, 17}};
        for (auto [N, C] : sizes) {
            LnCase k = make_ln_case(N, C, static_cast<uint64_t>(N * 100 + C));
            std::vector<float> out(k.x.size(), 0.0f), mean(N, 0.0f), rstd(N, 0.0f);
            lesson08::layer_norm_forward(out.data(), mean.data(), rstd.data(), k.x.data(), k.g.data(),
                                         k.b.data(), N, C, kEps);
            for (int i = 0; i < N; i++) {
                INFO("N = " << N << ", C = " << C << ", row " << i);
                CHECK(mean[i] == doctest::Approx(k.mean[i]).epsilon(1e-5));
                CHECK(rstd[i] == doctest::Approx(k.rstd[i]).epsilon(1e-4));
            }
            for (size_t i = 0; i < out.size(); i++) {
                INFO("N = " << N << ", C = " << C << ": out[" << i / C << "][" << i % C << "]");
                CHECK(out[i] == doctest::Approx(k.out[i]).epsilon(1e-4).scale(1.0));
            }
        }
    }

    TEST_CASE("layer_norm_backward matches the library's: dx, dg and db") {
        const std::pair<int, int> sizes[] = {{1, 2}, {3, 8}, {5, 17}, {64, 128}};
        for (auto [N, C] : sizes) {
            LnCase k = make_ln_case(N, C, static_cast<uint64_t>(N * 1000 + C));
            std::vector<float> dx(k.x.size(), 0.0f), dg(C, 0.0f), db(C, 0.0f), ldx = dx, ldg = dg, ldb = db;
            lesson08::layer_norm_backward(dx.data(), dg.data(), db.data(), k.dout.data(), k.x.data(),
                                          k.g.data(), k.mean.data(), k.rstd.data(), N, C);
            glulab::layer_norm_backward(ldx.data(), ldg.data(), ldb.data(), k.dout.data(), k.x.data(),
                                        k.g.data(), k.mean.data(), k.rstd.data(), N, C);
            for (size_t i = 0; i < dx.size(); i++) {
                INFO("N = " << N << ", C = " << C << ": dx[" << i / C << "][" << i % C << "]");
                CHECK(dx[i] == doctest::Approx(ldx[i]).epsilon(1e-4).scale(1.0));
            }
            for (int c = 0; c < C; c++) {
                INFO("N = " << N << ", C = " << C << ": dg[" << c << "], db[" << c << "]");
                CHECK(dg[c] == doctest::Approx(ldg[c]).epsilon(1e-4).scale(1.0));
                CHECK(db[c] == doctest::Approx(ldb[c]).epsilon(1e-4).scale(1.0));
            }
        }
    }

    TEST_CASE("layer_norm_backward: dx matches central differences; each row of dx sums to 0") {
        const int N = 3, C = 8;
        LnCase k = make_ln_case(N, C, 21);
        std::vector<float> dx(k.x.size(), 0.0f);
        lesson08::layer_norm_backward(dx.data(), nullptr, nullptr, k.dout.data(), k.x.data(), k.g.data(),
                                      k.mean.data(), k.rstd.data(), N, C);
        const double h = 1e-5;
        for (int i = 0; i < N; i++) {
            double row_sum = 0, scale = 0;
            for (int c = 0; c < C; c++) {
                std::vector<double> row(k.x.begin() + i * C, k.x.begin() + (i + 1) * C);
                const float* d = k.dout.data() + i * C;
                row[c] += h;
                const double up = ln_row_loss(row.data(), k.g.data(), k.b.data(), d, C);
                row[c] -= 2 * h;
                const double down = ln_row_loss(row.data(), k.g.data(), k.b.data(), d, C);
                const double numeric = (up - down) / (2 * h);
                INFO("dx[" << i << "][" << c << "]: yours " << dx[i * C + c] << ", numeric " << numeric);
                CHECK(std::fabs(dx[i * C + c] - numeric) <= 1e-4 * std::max(1.0, std::fabs(numeric)));
                row_sum += dx[i * C + c];
                scale += std::fabs(numeric);
            }
            INFO("row " << i << ": sum of dx = " << row_sum << " (the path through the mean makes it 0)");
            CHECK(scale > 0);
            CHECK(std::fabs(row_sum) <= 1e-5 * scale);
        }
    }

    TEST_CASE("layer_norm_backward: dg, db sum over rows; it adds (+=) and skips null arrays") {
        const int N = 6, C = 4;
        LnCase k = make_ln_case(N, C, 22);
        std::vector<float> dg(C, 0.5f), db(C, -1.0f);
        lesson08::layer_norm_backward(nullptr, dg.data(), db.data(), k.dout.data(), k.x.data(), k.g.data(),
                                      k.mean.data(), k.rstd.data(), N, C);
        for (int c = 0; c < C; c++) {
            double eg = 0, eb = 0;
            for (int i = 0; i < N; i++) {
                eg += double(k.dout[i * C + c]) * (k.x[i * C + c] - k.mean[i]) * k.rstd[i];
                eb += k.dout[i * C + c];
            }
            INFO("dg[" << c << "] (started at 0.5), db[" << c << "] (started at -1)");
            CHECK(dg[c] == doctest::Approx(0.5 + eg).epsilon(1e-5));
            CHECK(db[c] == doctest::Approx(-1.0 + eb).epsilon(1e-5));
        }
        lesson08::layer_norm_backward(nullptr, nullptr, nullptr, k.dout.data(), k.x.data(), k.g.data(),
                                      k.mean.data(), k.rstd.data(), N, C);  // must not crash
    }
}
