// Lesson 16 · outliers and quantization — tests of the exercise: the derived error of absmax
// int8 against measurement, and per-row quantization against the library's kernel.
#include <doctest/doctest.h>

#include "exercise.hpp"
#include "glulab/ops/ops.hpp"

#include <cmath>
#include <vector>

using namespace lesson16;

TEST_SUITE("lesson16") {
    TEST_CASE("Part A: the step, the worst and the mean square error, and what an outlier does") {
        for (float absmax : {1.0f, 2.54f, 0.127f}) {
            CAPTURE(absmax);
            CHECK(step_of(absmax) == doctest::Approx(absmax / 127));
            CHECK(worst_error(absmax) == doctest::Approx(absmax / 254));
            CHECK(mean_square_error(absmax) == doctest::Approx(absmax * absmax / (127.0 * 127.0 * 12)));
        }
        CHECK(error_growth(1.0f, 100.0f) == doctest::Approx(100));
        CHECK(error_growth(0.5f, 4.0f) == doctest::Approx(8));
        // The formula against a measurement: 20,001 values spread evenly over [-1, 1].
        std::vector<float> x(20001), out(x.size());
        for (size_t i = 0; i < x.size(); i++) x[i] = -1.0f + 2.0f * static_cast<float>(i) / 20000;
        float s = 0;
        glulab::quant_scales(&s, x.data(), 1, static_cast<int>(x.size()), false);
        glulab::fake_quant_forward(out.data(), x.data(), &s, 1, static_cast<int>(x.size()), false);
        double ms = 0, worst = 0;
        for (size_t i = 0; i < x.size(); i++) {
            const double e = out[i] - x[i];
            ms += e * e / static_cast<double>(x.size());
            worst = std::max(worst, std::fabs(e));
        }
        CHECK(worst <= worst_error(1.0f) * (1 + 1e-4));
        CHECK(ms == doctest::Approx(mean_square_error(1.0f)).epsilon(0.03));
    }

    TEST_CASE("Part B: one scale per row, as the library's kernel computes it") {
        const int rows = 3, cols = 7;
        std::vector<float> x(rows * cols);
        for (int i = 0; i < rows * cols; i++) x[static_cast<size_t>(i)] = std::sin(1.7f * static_cast<float>(i)) * (1 + i / 7);
        x[10] = 40.0f;      // an outlier in row 1: the other rows keep their steps
        for (int c = 0; c < cols; c++) x[static_cast<size_t>(2 * cols + c)] = 0;  // a row of zeros
        std::vector<float> mine(x.size()), want(x.size()), scales(rows);
        quantize_per_row(mine.data(), x.data(), rows, cols);
        glulab::quant_scales(scales.data(), x.data(), rows, cols, true);
        glulab::fake_quant_forward(want.data(), x.data(), scales.data(), rows, cols, true);
        for (size_t i = 0; i < x.size(); i++) {
            CAPTURE(i);
            CHECK(mine[i] == want[i]);
        }
        // In place, too.
        std::vector<float> same = x;
        quantize_per_row(same.data(), same.data(), rows, cols);
        CHECK(same == want);
    }
}
