// Lesson 10 · tests of the exercise: one head of causal attention against the library's kernel.
#include <doctest/doctest.h>

#include "exercise.hpp"
#include "glulab/ops/ops.hpp"
#include "glulab/platform/rng.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

using namespace lesson10;

namespace {

std::vector<float> random_qkv(int B, int T, int C, float std, uint64_t seed) {
    glulab::Rng rng(seed);
    std::vector<float> qkv(static_cast<size_t>(B) * T * 3 * C);
    for (float& x : qkv) x = std * static_cast<float>(rng.normal());
    return qkv;
}

// Runs the exercise on every (b, h) of qkv (B, T, 3C) and compares with attention_forward.
void check_against_library(int B, int T, int C, int NH, float std, uint64_t seed) {
    const int HS = C / NH;
    std::vector<float> qkv = random_qkv(B, T, C, std, seed);
    std::vector<float> out(static_cast<size_t>(B) * T * C), probs(static_cast<size_t>(B) * NH * T * T);
    glulab::attention_forward(out.data(), probs.data(), qkv.data(), B, T, C, NH);

    std::vector<float> my_out(static_cast<size_t>(T) * HS), my_probs(static_cast<size_t>(T) * T);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            causal_attention_head(my_out.data(), my_probs.data(), qkv.data() + b * T * 3 * C, T, C,
                                  NH, h);
            INFO("B=" << B << " T=" << T << " C=" << C << " NH=" << NH << " at b=" << b << " h=" << h);
            for (int i = 0; i < T; i++)
                for (int j = 0; j <= i; j++) {  // the library leaves blocks above the diagonal unwritten
                    INFO("probs[" << i << "][" << j << "]");
                    CHECK(my_probs[i * T + j] ==
                          doctest::Approx(probs[((b * NH + h) * T + i) * T + j]).epsilon(1e-4));
                }
            for (int i = 0; i < T; i++)
                for (int d = 0; d < HS; d++) {
                    INFO("out[" << i << "][" << d << "]");
                    CHECK(my_out[i * HS + d] ==
                          doctest::Approx(out[(b * T + i) * C + h * HS + d]).epsilon(1e-4));
                }
        }
}

}  // namespace

TEST_SUITE("lesson10") {
    // The layout of qkv (T, 3C) as the README's "The idea" describes it: per token a row of 3C,
    // query, key, value blocks of C channels each, head h's HS = C / NH channels inside each.
    TEST_CASE("key_offset_by_hand: channel 5 of head 2's key of token 3 at C = 128, NH = 4") {
        const int C = 128, HS = C / 4, row = 3 * C;
        INFO("your offset " << key_offset_by_hand());
        CHECK(key_offset_by_hand() == 3 * row + 1 * C + 2 * HS + 5);
    }

    TEST_CASE("qkv_offset: every channel of every part, head and token, once") {
        for (auto [C, NH] : {std::pair{8, 2}, std::pair{12, 3}, std::pair{128, 4}}) {
            const int T = 5, HS = C / NH;
            std::vector<int> seen(static_cast<size_t>(T) * 3 * C, 0);
            for (int t = 0; t < T; t++)
                for (int part = 0; part < 3; part++)
                    for (int h = 0; h < NH; h++)
                        for (int i = 0; i < HS; i++) {
                            const int at = qkv_offset(t, part, h, i, C, NH);
                            INFO("C " << C << " NH " << NH << ": token " << t << " part " << part << " head " << h
                                      << " channel " << i << " -> " << at);
                            REQUIRE(at == t * 3 * C + part * C + h * HS + i);
                            seen[static_cast<size_t>(at)]++;
                        }
            CHECK(std::count(seen.begin(), seen.end(), 1) == static_cast<long>(seen.size()));
        }
    }

    TEST_CASE("probabilities are causal: zero above the diagonal, rows sum to 1") {
        const int T = 6, C = 8, NH = 2, HS = C / NH;
        std::vector<float> qkv = random_qkv(1, T, C, 1.0f, 1);
        std::vector<float> out(T * HS), P(T * T);
        for (int h = 0; h < NH; h++) {
            causal_attention_head(out.data(), P.data(), qkv.data(), T, C, NH, h);
            for (int i = 0; i < T; i++) {
                INFO("head " << h << ", row " << i);
                float sum = 0.0f;
                for (int j = 0; j < T; j++) {
                    if (j > i) CHECK(P[i * T + j] == 0.0f);
                    else CHECK(P[i * T + j] > 0.0f);
                    sum += P[i * T + j];
                }
                CHECK(sum == doctest::Approx(1.0f).epsilon(1e-5));
            }
            // Token 0 sees only itself: P[0][0] = 1 and out[0] = v_0.
            CHECK(P[0] == doctest::Approx(1.0f));
            for (int d = 0; d < HS; d++)
                CHECK(out[d] == doctest::Approx(qkv[2 * C + h * HS + d]).epsilon(1e-6));
        }
    }

    TEST_CASE("matches attention_forward for every sequence and head") {
        check_against_library(1, 1, 4, 1, 1.0f, 2);   // one token: P = [1], out = v
        check_against_library(1, 4, 8, 2, 1.0f, 3);   // the size of main.cpp
        check_against_library(2, 7, 12, 3, 0.7f, 4);  // HS = 4, two sequences
        check_against_library(2, 16, 32, 4, 0.5f, 5); // HS = 8
    }

    TEST_CASE("large scores do not overflow (subtract the row maximum)") {
        // Scores of several hundred: exp() of them would overflow a float.
        check_against_library(1, 5, 8, 2, 12.0f, 6);
        const int T = 5, C = 8, NH = 2;
        std::vector<float> qkv = random_qkv(1, T, C, 12.0f, 6);
        std::vector<float> out(T * (C / NH)), P(T * T);
        causal_attention_head(out.data(), P.data(), qkv.data(), T, C, NH, 1);
        for (float x : out) CHECK(std::isfinite(x));
        for (float p : P) CHECK(std::isfinite(p));
    }

    TEST_CASE("changing the last token leaves the earlier outputs exactly unchanged") {
        const int T = 5, C = 8, NH = 2, HS = C / NH;
        std::vector<float> qkv = random_qkv(1, T, C, 1.0f, 7);
        std::vector<float> out1(T * HS), out2(T * HS), P(T * T);
        causal_attention_head(out1.data(), P.data(), qkv.data(), T, C, NH, 0);
        for (int c = 0; c < 3 * C; c++) qkv[(T - 1) * 3 * C + c] += 1.5f;  // the last token changes
        causal_attention_head(out2.data(), P.data(), qkv.data(), T, C, NH, 0);
        for (int i = 0; i < T - 1; i++)
            for (int d = 0; d < HS; d++) CHECK(out1[i * HS + d] == out2[i * HS + d]);
        bool last_changed = false;
        for (int d = 0; d < HS; d++) last_changed |= out1[(T - 1) * HS + d] != out2[(T - 1) * HS + d];
        CHECK(last_changed);
    }
}

// Exercise 5: zero queries (or equal keys) make attention a running mean of the values.
TEST_SUITE("lesson10") {
    TEST_CASE("zero_query_attention predicts attention_forward with q = 0, and with equal keys") {
        const int T = 7, HS = 3, C = HS;  // one head
        glulab::Rng rng(3);
        std::vector<float> v(T * HS);
        for (float& x : v) x = static_cast<float>(rng.normal());
        std::vector<float> predicted(T * HS, -99.0f);
        zero_query_attention(predicted.data(), v.data(), T, HS);
        for (bool equal_keys : {false, true}) {
            // qkv (1, T, 3C): q in channels [0, C), k in [C, 2C), v in [2C, 3C).
            std::vector<float> qkv(T * 3 * C), out(T * C), probs(T * T);
            for (int t = 0; t < T; t++)
                for (int i = 0; i < C; i++) {
                    qkv[t * 3 * C + i] = equal_keys ? static_cast<float>(rng.normal()) : 0.0f;
                    qkv[t * 3 * C + C + i] = equal_keys ? 0.5f * (i + 1) : static_cast<float>(rng.normal());
                    qkv[t * 3 * C + 2 * C + i] = v[t * HS + i];
                }
            glulab::attention_forward(out.data(), probs.data(), qkv.data(), 1, T, C, 1);
            for (int k = 0; k < T * HS; k++) {
                INFO((equal_keys ? "equal keys" : "zero queries") << ", position " << k / HS
                                                                 << ", channel " << k % HS);
                CHECK(predicted[k] == doctest::Approx(out[k]).epsilon(1e-5));
            }
        }
    }
}
