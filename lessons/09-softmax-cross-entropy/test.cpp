// Lesson 09 · softmax and cross-entropy — tests of the exercise: log-softmax against the
// library's softmax and on extreme logits; the loss and its gradient against
// cross_entropy_forward / cross_entropy_backward and central differences.
#include <doctest/doctest.h>

#include "exercise.hpp"
#include "glulab/ops/ops.hpp"
#include "glulab/platform/rng.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace {

std::vector<float> random_logits(int N, int V, float std, uint64_t seed) {
    glulab::Rng rng(seed);
    std::vector<float> x;
    for (int i = 0; i < N * V; i++) x.push_back(std * static_cast<float>(rng.normal()));
    return x;
}

std::vector<int> random_targets(int N, int V, uint64_t seed) {
    glulab::Rng rng(seed);
    std::vector<int> t;
    for (int i = 0; i < N; i++) t.push_back(static_cast<int>(rng.below(static_cast<uint64_t>(V))));
    return t;
}

// The mean cross-entropy in double, straight from the definition (for central differences).
double ce_ref(const std::vector<double>& x, const std::vector<int>& t, int N, int V) {
    double total = 0;
    for (int i = 0; i < N; i++) {
        const double* xi = x.data() + i * V;
        const double m = *std::max_element(xi, xi + V);
        double sum = 0;
        for (int j = 0; j < V; j++) sum += std::exp(xi[j] - m);
        total += m + std::log(sum) - xi[t[static_cast<size_t>(i)]];
    }
    return total / N;
}

}  // namespace

TEST_SUITE("lesson09") {
    TEST_CASE("log_softmax equals log(softmax_forward) on ordinary logits") {
        const int N = 5, V = 11;
        const std::vector<float> x = random_logits(N, V, 2.0f, 1);
        std::vector<float> out(x.size()), p(x.size());
        lesson09::log_softmax(out.data(), x.data(), N, V);
        glulab::softmax_forward(p.data(), x.data(), N, V);
        for (size_t k = 0; k < x.size(); k++) {
            INFO("row " << k / V << ", column " << k % V);
            CHECK(out[k] == doctest::Approx(std::log(p[k])).epsilon(1e-5).scale(1.0));
        }
        for (int i = 0; i < N; i++) {  // each row of e^out sums to 1
            double sum = 0;
            for (int j = 0; j < V; j++) sum += std::exp(double(out[i * V + j]));
            CHECK(sum == doctest::Approx(1.0).epsilon(1e-5));
        }
    }

    TEST_CASE("log_softmax stays finite and exact on extreme logits") {
        const float x[] = {0.0f, -200.0f,         // e^-200 underflows a float: log p must be -200
                           1000.0f, 1000.0f,      // e^1000 overflows a float: log p = -log 2
                           1e4f, 0.0f,            // log p = 0 and -1e4
                           -1e30f, -1e30f};       // hugely negative, equal: -log 2 each
        float out[8];
        lesson09::log_softmax(out, x, 4, 2);
        for (float v : out) CHECK(std::isfinite(v));
        CHECK(out[0] == doctest::Approx(0.0).scale(1.0));
        CHECK(out[1] == doctest::Approx(-200.0));
        CHECK(out[2] == doctest::Approx(-std::log(2.0)));
        CHECK(out[3] == doctest::Approx(-std::log(2.0)));
        CHECK(out[4] == doctest::Approx(0.0).scale(1.0));
        CHECK(out[5] == doctest::Approx(-1e4));
        CHECK(out[6] == doctest::Approx(-std::log(2.0)));
        CHECK(out[7] == doctest::Approx(-std::log(2.0)));
    }

    TEST_CASE("the loss: log V for uniform logits, 200 for [0, -200], and the library's value") {
        const int V = 65, N = 4;
        std::vector<float> zeros(N * V, 0.0f), d(N * V, 0.0f);
        const int t4[N] = {0, 17, 42, 64};
        CHECK(lesson09::cross_entropy_with_grad(d.data(), zeros.data(), t4, N, V) ==
              doctest::Approx(std::log(65.0)));

        const float x[2] = {0.0f, -200.0f};
        const int t1 = 1;
        float d2[2] = {};
        CHECK(lesson09::cross_entropy_with_grad(d2, x, &t1, 1, 2) == doctest::Approx(200.0));

        const int Nr = 7, Vr = 13;
        const std::vector<float> logits = random_logits(Nr, Vr, 3.0f, 2);
        const std::vector<int> t = random_targets(Nr, Vr, 3);
        std::vector<float> probs(logits.size()), dl(logits.size(), 0.0f);
        const float lib =
            glulab::cross_entropy_forward(probs.data(), logits.data(), t.data(), Nr, Vr);
        CHECK(lesson09::cross_entropy_with_grad(dl.data(), logits.data(), t.data(), Nr, Vr) ==
              doctest::Approx(lib).epsilon(1e-5));
    }

    TEST_CASE("the gradient matches cross_entropy_backward, and each row sums to zero") {
        const int N = 6, V = 9;
        const std::vector<float> logits = random_logits(N, V, 2.0f, 4);
        const std::vector<int> t = random_targets(N, V, 5);
        std::vector<float> probs(logits.size());
        std::vector<float> lib(logits.size(), 0.0f), mine(logits.size(), 0.0f);
        glulab::cross_entropy_forward(probs.data(), logits.data(), t.data(), N, V);
        glulab::cross_entropy_backward(lib.data(), 1.0f, probs.data(), t.data(), N, V);
        lesson09::cross_entropy_with_grad(mine.data(), logits.data(), t.data(), N, V);
        for (int i = 0; i < N; i++) {
            double sum = 0;
            for (int j = 0; j < V; j++) {
                INFO("dlogits[" << i << "][" << j << "], target " << t[static_cast<size_t>(i)]);
                CHECK(mine[i * V + j] == doctest::Approx(lib[i * V + j]).epsilon(1e-5).scale(1.0));
                sum += mine[i * V + j];
            }
            INFO("row " << i);
            CHECK(std::fabs(sum) < 1e-6);
        }
    }

    TEST_CASE("the gradient matches central differences of the mean loss") {
        const int N = 3, V = 5;
        const std::vector<float> logits = random_logits(N, V, 2.0f, 6);
        const std::vector<int> t = random_targets(N, V, 7);
        std::vector<float> d(logits.size(), 0.0f);
        lesson09::cross_entropy_with_grad(d.data(), logits.data(), t.data(), N, V);
        std::vector<double> x(logits.begin(), logits.end());
        const double h = 1e-5;
        for (size_t k = 0; k < x.size(); k++) {
            const double keep = x[k];
            x[k] = keep + h;
            const double up = ce_ref(x, t, N, V);
            x[k] = keep - h;
            const double down = ce_ref(x, t, N, V);
            x[k] = keep;
            const double numeric = (up - down) / (2 * h);
            INFO("dlogits[" << k / V << "][" << k % V << "]: yours " << d[k] << ", numeric "
                            << numeric);
            CHECK(std::fabs(d[k] - numeric) <= 1e-5);
        }
    }

    TEST_CASE("the gradient is added (+=) to what dlogits held") {
        const int N = 2, V = 4;
        const std::vector<float> logits = random_logits(N, V, 1.0f, 8);
        const int t[N] = {2, 0};
        std::vector<float> d0(N * V, 0.0f), d1(N * V, 0.5f);
        lesson09::cross_entropy_with_grad(d0.data(), logits.data(), t, N, V);
        lesson09::cross_entropy_with_grad(d1.data(), logits.data(), t, N, V);
        for (size_t k = 0; k < d0.size(); k++) CHECK(d1[k] == doctest::Approx(0.5f + d0[k]));
    }
}

// Exercise 6: label smoothing: alpha = 0 is glulab's cross-entropy, the gradient is p - y,
// and the best reachable loss is the entropy of y.
TEST_SUITE("lesson09") {
    TEST_CASE("smoothed_cross_entropy with alpha = 0 is glulab's cross_entropy_forward") {
        const float logits[6] = {2.0f, -1.0f, 0.5f, 0.0f, 3.0f, -2.0f};
        const int targets[2] = {0, 2};
        float probs[6];
        const float plain = glulab::cross_entropy_forward(probs, logits, targets, 2, 3);
        CHECK(lesson09::smoothed_cross_entropy(nullptr, logits, targets, 2, 3, 0.0f) ==
              doctest::Approx(plain).epsilon(1e-5));
    }

    TEST_CASE("smoothed_cross_entropy: the gradient matches central differences and is added") {
        const int N = 3, V = 5;
        std::vector<float> z = {0.3f, -1.0f, 2.0f, 0.1f, 0.0f, 1.5f, 1.4f, -0.3f,
                                0.0f, 0.2f, -2.0f, 0.5f, 0.5f, 3.0f, -1.0f};
        const int targets[N] = {2, 0, 4};
        const float alpha = 0.1f;
        std::vector<float> dz(z.size(), 1.0f);  // already holds 1
        lesson09::smoothed_cross_entropy(dz.data(), z.data(), targets, N, V, alpha);
        for (size_t k = 0; k < z.size(); k++) {
            auto up = z, down = z;
            up[k] += 1e-2f;
            down[k] -= 1e-2f;
            const double numeric =
                (double(lesson09::smoothed_cross_entropy(nullptr, up.data(), targets, N, V, alpha)) -
                 lesson09::smoothed_cross_entropy(nullptr, down.data(), targets, N, V, alpha)) / 2e-2;
            INFO("logit " << k);
            CHECK(dz[k] - 1.0f == doctest::Approx(numeric).epsilon(1e-2).scale(1e-2));
        }
    }

    TEST_CASE("smoothed_cross_entropy: its minimum is the entropy of y, reached at z = log y") {
        const int V = 4;
        const float alpha = 0.2f;
        const int target[1] = {1};
        float z[V], dz[V] = {0, 0, 0, 0};
        double entropy = 0;
        for (int j = 0; j < V; j++) {
            const double y = (j == 1 ? 1.0 - alpha : 0.0) + alpha / V;
            z[j] = static_cast<float>(std::log(y));
            entropy -= y * std::log(y);
        }
        const float loss = lesson09::smoothed_cross_entropy(dz, z, target, 1, V, alpha);
        CHECK(loss == doctest::Approx(entropy).epsilon(1e-5));
        for (int j = 0; j < V; j++) CHECK(std::abs(dz[j]) < 1e-6f);
        // Logits of 1000 do not overflow.
        const float big[V] = {1000.0f, 0.0f, -1000.0f, 999.0f};
        CHECK(std::isfinite(lesson09::smoothed_cross_entropy(nullptr, big, target, 1, V, alpha)));
    }
}
