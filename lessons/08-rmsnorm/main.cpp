// Lesson 08 · RMSNorm — normalise rows, differentiate through the shared rstd, cache one float.
//
// 1. Rows at very different scales all come out with RMS 1 (and eps shows up for tiny rows).
// 2. The backward against central differences, and what goes wrong without the rstd path.
// 3. The gradient is orthogonal to the row: scaling x does not change the output.
// 4. Memory: what the forward caches (rstd) against what it could cache (xhat).
#include "glulab/autograd/autograd.hpp"
#include "glulab/autograd/gradcheck.hpp"
#include "glulab/ops/ops.hpp"
#include "glulab/platform/rng.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace glulab;

namespace {

double rms(const float* v, int C) {
    double ss = 0;
    for (int c = 0; c < C; c++) ss += double(v[c]) * v[c];
    return std::sqrt(ss / C);
}

// L = sum_ij out_ij * w_ij for fixed weights w: dL/dout = w.
double loss(const std::vector<float>& x, const std::vector<float>& g, const std::vector<float>& w,
            int N, int C) {
    std::vector<float> out(x.size()), rstd(static_cast<size_t>(N));
    rms_norm_forward(out.data(), rstd.data(), x.data(), g.data(), N, C, 1e-5f);
    double L = 0;
    for (size_t i = 0; i < out.size(); i++) L += double(out[i]) * w[i];
    return L;
}

}  // namespace

int main() {
    const float eps = 1e-5f;
    Rng rng(8);

    // 1. Four rows: x, 10 x, 0.01 x and 0.001 x, gain 1.
    {
        const int N = 4, C = 8;
        std::vector<float> x(N * C), g(C, 1.0f), out(N * C), rstd(N);
        for (int c = 0; c < C; c++) x[c] = static_cast<float>(rng.normal());
        const float scales[N] = {1.0f, 10.0f, 0.01f, 0.001f};
        for (int i = 1; i < N; i++)
            for (int c = 0; c < C; c++) x[i * C + c] = scales[i] * x[c];
        rms_norm_forward(out.data(), rstd.data(), x.data(), g.data(), N, C, eps);
        fmt::print("rms_norm of x (4, 8), gain 1, eps = 1e-5; rows are x, 10 x, 0.01 x, 0.001 x\n");
        fmt::print("  {:>5} {:>10} {:>10} {:>10}   out[0..3]\n", "row", "rms(x)", "rstd",
                   "rms(out)");
        for (int i = 0; i < N; i++) {
            fmt::print("  {:>5} {:>10.4g} {:>10.4g} {:>10.4f}  ", i, rms(&x[i * C], C), rstd[i],
                       rms(&out[i * C], C));
            for (int c = 0; c < 4; c++) fmt::print("{:8.4f}", out[i * C + c]);
            fmt::print("\n");
        }
    }

    // 2. The backward, on x (4, 8) and a gain near 1, for L = sum(out * w).
    const int N = 4, C = 8;
    std::vector<float> x(N * C), g(C), w(N * C), out(N * C), rstd(N);
    for (float& v : x) v = static_cast<float>(rng.normal());
    for (float& v : g) v = 1.0f + 0.5f * static_cast<float>(rng.normal());
    for (float& v : w) v = static_cast<float>(rng.normal());
    rms_norm_forward(out.data(), rstd.data(), x.data(), g.data(), N, C, eps);
    std::vector<float> dx(N * C, 0.0f), dg(C, 0.0f);
    rms_norm_backward(dx.data(), dg.data(), w.data(), x.data(), g.data(), rstd.data(), N, C);

    // Central differences in float, h = 1e-2 (as the harness of lesson 05 does).
    const float h = 1e-2f;
    auto numeric = [&](std::vector<float>& v, size_t i) {
        const float keep = v[i];
        v[i] = keep + h;
        const double up = loss(x, g, w, N, C);
        v[i] = keep - h;
        const double down = loss(x, g, w, N, C);
        v[i] = keep;
        return (up - down) / (2 * h);
    };
    fmt::print("\nbackward of L = sum(out * w), x (4, 8): analytic, then central difference "
               "(h = 1e-2)\n");
    for (size_t i : {size_t{3}, size_t{12}, size_t{29}})
        fmt::print("  dx[{}][{}]  {:+.4f}  {:+.4f}\n", i / C, i % C, dx[i], numeric(x, i));
    for (size_t c : {size_t{0}, size_t{5}})
        fmt::print("  dg[{}]     {:+.4f}  {:+.4f}\n", c, dg[c], numeric(g, c));
    for (const GradcheckSpec& spec : gradcheck_specs())
        if (spec.name == "rms_norm") fmt::print("  {}\n", format_result(gradcheck(spec)));

    // Drop the path through rstd (treat rstd as a constant): dx = rstd * dout * g only.
    double worst = 0;
    for (int i = 0; i < N; i++)
        for (int c = 0; c < C; c++) {
            const size_t k = static_cast<size_t>(i * C + c);
            worst = std::max(worst, std::fabs(rstd[i] * w[k] * g[c] - numeric(x, k)));
        }
    fmt::print("  without the rstd term, dx is off by up to {:.2f}\n", worst);

    // 3. Scaling a row does not change its output, so dx has no component along x. (Values
    //    below 1e-4 print as 0: they are eps and float rounding.)
    auto cosine = [&](int i, auto grad) {
        double dot = 0, xx = 0, gg = 0;
        for (int c = 0; c < C; c++) {
            const double xc = x[static_cast<size_t>(i * C + c)], gc = grad(i, c);
            dot += xc * gc, xx += xc * xc, gg += gc * gc;
        }
        const double cos = dot / std::sqrt(xx * gg);
        return std::fabs(cos) < 1e-4 ? 0.0 : cos;
    };
    fmt::print("\ncos(x, dx) per row:                 ");
    auto analytic = [&](int r, int c) { return double(dx[size_t(r * C + c)]); };
    for (int i = 0; i < N; i++) fmt::print("{:8.4f}", cosine(i, analytic));
    fmt::print("\nthe same without the rstd term:     ");
    for (int i = 0; i < N; i++)
        fmt::print("{:8.4f}", cosine(i, [&](int r, int c) {
            return double(rstd[size_t(r)]) * w[size_t(r * C + c)] * g[size_t(c)];
        }));
    fmt::print("\n");

    // 4. What the tape keeps for one RMSNorm at the default sizes: x (B=16, T=64, C=128).
    {
        const int B = 16, T = 64, Cd = 128;
        std::vector<float> xd(B * T * Cd, 0.5f), xgrad(xd.size(), 0.0f);
        std::vector<float> gd(Cd, 1.0f), ggrad(Cd, 0.0f);
        Tape tape;
        rms_norm(tape, Tensor{xd.data(), xgrad.data(), Shape{B, T, Cd}},
                 Tensor{gd.data(), ggrad.data(), Shape{Cd}});
        const size_t used = tape.arena().used_floats(), act = size_t{B} * T * Cd;
        fmt::print("\none rms_norm on x (16, 64, 128): the tape holds {} floats = out {} + "
                   "grad {} + rstd {}\n", used, act, act, used - 2 * act);
        const int norms = 2 * 4 + 1;  // two per block, four blocks, and the final norm
        fmt::print("cache per norm: rstd {} floats ({} KiB), xhat would be {} floats ({} KiB)\n",
                   B * T, B * T * 4 / 1024, act, act * 4 / 1024);
        fmt::print("for the {} norms of the default model: rstd {} KiB, xhat {:.1f} MiB\n", norms,
                   norms * B * T * 4 / 1024, norms * act * 4 / 1048576.0);
    }
    return 0;
}
