// Lesson 08 · RMSNorm — exercise: write the backward pass of RMSNorm.
//
// Work the small case of exercise.hpp by hand first (rms_norm_by_hand), with the derivation of
// the README's "The idea" beside you: the loops below are that computation for every row. Use
// the rstd the forward cached; do not recompute the sum of squares. Add (+=) into dx and dg, and
// skip whichever of them is null.
// Check it with:  make exercise LESSON=08
#include "exercise.hpp"

namespace lesson08 {

RmsNormByHand rms_norm_by_hand() {
    // TODO: your numbers.
    return {};
}

void rms_norm_backward(float* dx, float* dg, const float* dout, const float* x, const float* g,
                       const float* rstd, int64_t N, int C) {
    // TODO: your code here.
    (void)dx;
    (void)dg;
    (void)dout;
    (void)x;
    (void)g;
    (void)rstd;
    (void)N;
    (void)C;
}

// Exercise 2: LayerNorm (exercise.hpp has the contract; README, "Exercise 2", the steps).
// Nothing in the pointed-at source gives you the backward: derive d out_ic / d x_ik on paper
// first. Two paths lead from x_ik to every xhat_ic besides the direct one: through mean_i and
// through rstd_i. Your dx must pass central differences and must sum to zero along each row.
// Check it with:  make exercise LESSON=08 TEST_ARGS='-tc="layer_norm*"'
void layer_norm_forward(float* out, float* mean, float* rstd, const float* x, const float* g,
                        const float* b, int64_t N, int C, float eps) {
    // TODO: your code here.
    (void)out;
    (void)mean;
    (void)rstd;
    (void)x;
    (void)g;
    (void)b;
    (void)N;
    (void)C;
    (void)eps;
}

void layer_norm_backward(float* dx, float* dg, float* db, const float* dout, const float* x,
                         const float* g, const float* mean, const float* rstd, int64_t N, int C) {
    // TODO: your code here.
    (void)dx;
    (void)dg;
    (void)db;
    (void)dout;
    (void)x;
    (void)g;
    (void)mean;
    (void)rstd;
    (void)N;
    (void)C;
}

}  // namespace lesson08
