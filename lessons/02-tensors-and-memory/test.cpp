// Lesson 02 · tests of the exercise: offsets against Tensor::at, the errors, and the transpose.
#include <doctest/doctest.h>

#include "exercise.hpp"
#include "glulab/core/arena.hpp"

#include <algorithm>
#include <numeric>
#include <utility>
#include <vector>

using namespace lesson02;
using glulab::Shape;
using glulab::Tensor;

TEST_SUITE("lesson02") {
    TEST_CASE("offset_of: the formula b*T*C + t*C + c") {
        const Shape s{2, 3, 4};
        CHECK(offset_of(s, {0, 0, 0}) == 0);
        CHECK(offset_of(s, {0, 0, 3}) == 3);
        CHECK(offset_of(s, {0, 1, 0}) == 4);
        CHECK(offset_of(s, {0, 1, 2}) == 6);
        CHECK(offset_of(s, {1, 0, 0}) == 12);
        CHECK(offset_of(s, {1, 2, 3}) == 23);
        CHECK(offset_of(Shape{7}, {5}) == 5);
        CHECK(offset_of(Shape{5, 7}, {3, 2}) == 23);
        CHECK(offset_of(Shape{2, 3, 4, 5}, {1, 2, 3, 4}) == 119);  // the last of 120
    }

    TEST_CASE("offset_of: every element of a rank-4 tensor, in order, against Tensor::at") {
        const Shape s{2, 3, 2, 4};
        std::vector<float> memory(static_cast<size_t>(s.numel()));
        std::iota(memory.begin(), memory.end(), 0.0f);  // memory[i] = i
        const Tensor t{memory.data(), nullptr, s};
        int64_t expected = 0;  // row-major: counting the indices counts the offsets
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 3; b++)
                for (int c = 0; c < 2; c++)
                    for (int d = 0; d < 4; d++) {
                        INFO("index (" << a << ", " << b << ", " << c << ", " << d << ")");
                        CHECK(offset_of(s, {a, b, c, d}) == expected);
                        CHECK(t.at({a, b, c, d}) == static_cast<float>(expected));
                        expected++;
                    }
    }

    TEST_CASE("offset_of: a wrong index count or an out-of-range index throws glulab::Error") {
        const Shape s{2, 3, 4};
        CHECK_THROWS_AS(offset_of(s, {1, 2}), glulab::Error);
        CHECK_THROWS_AS(offset_of(s, {1, 2, 3, 0}), glulab::Error);
        CHECK_THROWS_AS(offset_of(s, {2, 0, 0}), glulab::Error);
        CHECK_THROWS_AS(offset_of(s, {0, 3, 0}), glulab::Error);
        CHECK_THROWS_AS(offset_of(s, {0, 0, 4}), glulab::Error);
        CHECK_THROWS_AS(offset_of(s, {0, -1, 0}), glulab::Error);
        CHECK_NOTHROW(offset_of(s, {1, 2, 3}));
    }

    TEST_CASE("transpose2d: a (2, 3) matrix") {
        const float in[6] = {1, 2, 3,
                             4, 5, 6};
        float out[6] = {};
        transpose2d(out, in, 2, 3);
        const float expected[6] = {1, 4,
                                   2, 5,
                                   3, 6};
        for (int i = 0; i < 6; i++) {
            INFO("out[" << i << "]");
            CHECK(out[i] == expected[i]);
        }
    }

    TEST_CASE("transpose2d: out.at(j, i) == in.at(i, j), and twice gives back the input") {
        for (auto [rows, cols] : {std::pair{1, 5}, std::pair{5, 1}, std::pair{4, 4}, std::pair{3, 7}}) {
            INFO("rows " << rows << ", cols " << cols);
            std::vector<float> in(static_cast<size_t>(rows * cols)), out(in.size(), -1.0f),
                back(in.size(), -1.0f);
            for (size_t k = 0; k < in.size(); k++) in[k] = 0.5f * static_cast<float>(k) - 3.0f;
            transpose2d(out.data(), in.data(), rows, cols);
            const Tensor a{in.data(), nullptr, Shape{rows, cols}};
            const Tensor b{out.data(), nullptr, Shape{cols, rows}};
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++) CHECK(b.at({j, i}) == a.at({i, j}));
            transpose2d(back.data(), out.data(), cols, rows);
            CHECK(back == in);
        }
    }
}

// Exercise 5: index_of undoes offset_of, for every element of a rank-4 tensor.
TEST_SUITE("lesson02") {
    TEST_CASE("index_of inverts the row-major offset of every element") {
        const glulab::Shape shape{2, 3, 4, 5};
        int64_t offset = 0;
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < 3; t++)
                for (int h = 0; h < 4; h++)
                    for (int i = 0; i < 5; i++, offset++) {
                        int64_t index[4] = {-1, -1, -1, -1};
                        index_of(shape, offset, index);
                        INFO("offset " << offset << " should be (" << b << ", " << t << ", " << h
                                       << ", " << i << ")");
                        CHECK(index[0] == b);
                        CHECK(index[1] == t);
                        CHECK(index[2] == h);
                        CHECK(index[3] == i);
                    }
    }

    TEST_CASE("index_of of a matrix and of a vector, and offsets outside the tensor") {
        int64_t index[2] = {-1, -1};
        index_of(glulab::Shape{7, 3}, 20, index);
        CHECK(index[0] == 6);
        CHECK(index[1] == 2);
        index_of(glulab::Shape{9}, 4, index);
        CHECK(index[0] == 4);
        CHECK_THROWS_AS(index_of(glulab::Shape{7, 3}, 21, index), glulab::Error);
        CHECK_THROWS_AS(index_of(glulab::Shape{7, 3}, -1, index), glulab::Error);
    }

    // Exercise 3's claims about the arena (not your code: the library's Arena).
    TEST_CASE("arena: a new order of requests can need a new block") {
        // Blocks made by step 1 asking for `first`, after step 2 asks for `second`.
        auto blocks_after = [](std::vector<size_t> first, std::vector<size_t> second) {
            glulab::Arena arena(1024);
            for (size_t n : first) arena.alloc(n);
            arena.reset();
            for (size_t n : second) arena.alloc(n);
            return arena.block_count();
        };
        // 100, 300, 700: two blocks in step 1, and every order of step 2 fits in them.
        std::vector<size_t> sizes{100, 300, 700};
        std::sort(sizes.begin(), sizes.end());
        do {
            INFO("step 2 asks for " << sizes[0] << ", " << sizes[1] << ", " << sizes[2]);
            CHECK(blocks_after({100, 300, 700}, sizes) == 2);
        } while (std::next_permutation(sizes.begin(), sizes.end()));
        // 512, 512, 1024 fill two blocks exactly; asked for as 512, 1024, 512, the 1024 skips the
        // half-full first block and the last 512 finds no room left in the second.
        CHECK(blocks_after({512, 512, 1024}, {512, 512, 1024}) == 2);
        CHECK(blocks_after({512, 512, 1024}, {512, 1024, 512}) == 3);
    }
}
