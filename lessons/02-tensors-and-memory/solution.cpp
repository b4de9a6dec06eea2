// Lesson 02 · reference solution of the exercise (CI runs the lesson's tests against it).
#include "exercise.hpp"

namespace lesson02 {

int64_t offset_of(const glulab::Shape& shape, std::initializer_list<int> index) {
    GLULAB_CHECK(static_cast<int>(index.size()) == shape.rank, "give one index per dimension",
                 "{} indices for a tensor of shape {}", index.size(), shape);
    int64_t offset = 0;
    int axis = 0;
    for (int i : index) {
        GLULAB_CHECK(i >= 0 && i < shape[axis], "indices run from 0 to size-1",
                     "index {} out of range on axis {} of shape {}", i, axis, shape);
        offset = offset * shape[axis] + i;
        axis++;
    }
    return offset;
}

void transpose2d(float* out, const float* in, int rows, int cols) {
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) out[int64_t{j} * rows + i] = in[int64_t{i} * cols + j];
}

}  // namespace lesson02
