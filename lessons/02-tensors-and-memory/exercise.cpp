// Lesson 02 · exercise: compute a row-major offset, and transpose a matrix into a new buffer.
//
// 1. offset_of(shape, index): walk the axes from the first to the last, as Horner's rule does
//    for the digits of a number: offset = offset * size_of_axis + index_on_axis. Reject a wrong
//    number of indices and an out-of-range index with GLULAB_CHECK(cond, hint, format, args...)
//    (include/glulab/platform/check.hpp), which throws glulab::Error.
// 2. transpose2d(out, in, rows, cols): in is (rows, cols), out is (cols, rows). Element (i, j)
//    of `in` is in[i * cols + j]; it goes to element (j, i) of `out`.
//
// Check it with:  make exercise LESSON=02
#include "exercise.hpp"

namespace lesson02 {

int64_t offset_of(const glulab::Shape& shape, std::initializer_list<int> index) {
    // TODO: your code here.
    (void)shape;
    (void)index;
    return 0;
}

void transpose2d(float* out, const float* in, int rows, int cols) {
    // TODO: your code here.
    (void)out;
    (void)in;
    (void)rows;
    (void)cols;
}

// Exercise 5: index_of, the inverse of offset_of. The last axis runs fastest; which arithmetic
// recovers each index from the offset alone? (No loop over all elements.)
void index_of(const glulab::Shape& shape, int64_t offset, int64_t* index) {
    // TODO: your code here.
    (void)shape;
    (void)offset;
    (void)index;
}

}  // namespace lesson02
