// Lesson 02 · reference solution of the exercise (CI runs the lesson's tests against it).
#include "exercise.hpp"
#include "glulab/platform/check.hpp"

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

// Peel the axes off from the last (fastest) one: index = offset mod size, then divide.
void index_of(const glulab::Shape& shape, int64_t offset, int64_t* index) {
    GLULAB_CHECK(offset >= 0 && offset < shape.numel(), "offsets run from 0 to numel - 1",
                 "index_of: offset {} outside a tensor of {} elements", offset, shape.numel());
    for (int axis = shape.rank - 1; axis >= 0; axis--) {
        index[axis] = offset % shape.dims[axis];
        offset /= shape.dims[axis];
    }
}

}  // namespace lesson02
