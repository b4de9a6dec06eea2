// Lesson 01 · the chain rule on scalars — a tiny neuron, differentiated three ways.
//
// We compute y = tanh(w1*x1 + w2*x2 + b) and its gradients: by hand with the chain rule, with
// the scalar tape of scalar.hpp, and numerically with central differences. All three agree.
#include "scalar.hpp"

#include <cstdio>

using namespace lesson01;

double neuron(double x1, double x2, double w1, double w2, double b) {
    return std::tanh(w1 * x1 + w2 * x2 + b);
}

int main() {
    const double x1 = 2.0, x2 = -1.0, w1 = -0.5, w2 = 0.75, b = 0.25;

    // 1. The tape.
    Scalar X1(x1), X2(x2), W1(w1), W2(w2), Bias(b);
    Scalar y = tanh(W1 * X1 + W2 * X2 + Bias);
    backward(y);
    std::printf("y = tanh(w1*x1 + w2*x2 + b) = %.6f\n", y.value());
    std::printf("tape: %zu nodes\n", tape().size());
    std::printf("tape     dy/dw1 = %+.6f  dy/dw2 = %+.6f  dy/db = %+.6f\n", W1.grad(), W2.grad(),
                Bias.grad());

    // 2. By hand: y = tanh(z), z = w1 x1 + w2 x2 + b, so dy/dw1 = (1 - y^2) x1, and so on.
    const double dz = 1 - y.value() * y.value();
    std::printf("by hand  dy/dw1 = %+.6f  dy/dw2 = %+.6f  dy/db = %+.6f\n", dz * x1, dz * x2, dz);

    // 3. Numerically: (f(w + h) - f(w - h)) / 2h.
    const double h = 1e-5;
    std::printf("numeric  dy/dw1 = %+.6f  dy/dw2 = %+.6f  dy/db = %+.6f\n",
                (neuron(x1, x2, w1 + h, w2, b) - neuron(x1, x2, w1 - h, w2, b)) / (2 * h),
                (neuron(x1, x2, w1, w2 + h, b) - neuron(x1, x2, w1, w2 - h, b)) / (2 * h),
                (neuron(x1, x2, w1, w2, b + h) - neuron(x1, x2, w1, w2, b - h)) / (2 * h));

    // 4. A value used twice: f = a * a. Its two uses each add a * 1 to a.grad, so df/da = 2a.
    clear_tape();
    Scalar a(3.0);
    Scalar f = a * a;
    backward(f);
    std::printf("f = a*a at a = 3: df/da = %.1f (the += at work)\n", a.grad());
    return 0;
}
