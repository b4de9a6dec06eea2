// autograd.cpp — the glue between Tensors, the Tape and the kernels of ops.hpp.
//
// Every op below has the same shape (as in flashlight's autograd): check the inputs, make the
// output, run the forward kernel, and, if the tape wants gradients, record a Node whose
// `backward` is a small lambda that unpacks the Node and calls the backward kernel. The math
// lives with the kernels; nothing here differentiates anything.
//
// Lesson 03 · the tape
#include "glulab/autograd/autograd.hpp"

namespace glulab {

namespace {

void check_same_shape(const char* op, Tensor a, Tensor b) {
    GLULAB_CHECK(a.shape == b.shape, "both inputs must have the same shape",
                 "{}: shapes {} and {} differ", op, a.shape, b.shape);
}

void check_data(const char* op, Tensor t) {
    GLULAB_CHECK(t.data != nullptr, "was the parameter store allocated?",
                 "{}: an input of shape {} has no memory", op, t.shape);
}

// The output of an op with these inputs, and whether to record it.
struct Out {
    Tensor t;
    bool record;
};
Out make_output(Tape& tape, Shape shape, std::initializer_list<Tensor> inputs) {
    for (const Tensor& t : inputs) t.check_live();  // GLULAB_DEBUG only (tensor.hpp)
    bool rec = tape.wants_grad(inputs);
    return {tape.new_tensor(shape, rec), rec};
}

Node node_of(const char* op, void (*backward)(const Node&), Tensor out,
             std::initializer_list<Tensor> inputs) {
    Node n;
    n.op = op;
    n.backward = backward;
    n.out = out;
    for (Tensor t : inputs) n.in[static_cast<size_t>(n.n_in++)] = t;
    return n;
}

}  // namespace

Tensor add(Tape& tape, Tensor a, Tensor b) {
    check_same_shape("add", a, b);
    auto [out, rec] = make_output(tape, a.shape, {a, b});
    add_forward(out.data, a.data, b.data, a.numel());
    if (rec)
        tape.record(node_of("add", [](const Node& n) {
            add_backward(n.in[0].grad, n.in[1].grad, n.out.grad, n.out.numel());
        }, out, {a, b}));
    return out;
}

Tensor add_bias(Tape& tape, Tensor x, Tensor bias) {
    GLULAB_CHECK(bias.shape.rank == 1 && bias.shape[0] == x.cols(), "bias has one value per column",
                 "add_bias: bias {} does not match x {}", bias.shape, x.shape);
    auto [out, rec] = make_output(tape, x.shape, {x, bias});
    add_bias_forward(out.data, x.data, bias.data, x.rows(), x.cols());
    if (rec)
        tape.record(node_of("add_bias", [](const Node& n) {
            add_bias_backward(n.in[0].grad, n.in[1].grad, n.out.grad, n.out.rows(), n.out.cols());
        }, out, {x, bias}));
    return out;
}

Tensor mul(Tape& tape, Tensor a, Tensor b) {
    check_same_shape("mul", a, b);
    auto [out, rec] = make_output(tape, a.shape, {a, b});
    mul_forward(out.data, a.data, b.data, a.numel());
    if (rec)
        tape.record(node_of("mul", [](const Node& n) {
            mul_backward(n.in[0].grad, n.in[1].grad, n.out.grad, n.in[0].data, n.in[1].data,
                         n.out.numel());
        }, out, {a, b}));
    return out;
}

Tensor scale(Tape& tape, Tensor x, float s) {
    auto [out, rec] = make_output(tape, x.shape, {x});
    scale_forward(out.data, x.data, s, x.numel());
    if (rec) {
        Node n = node_of("scale", [](const Node& n) {
            scale_backward(n.in[0].grad, n.out.grad, n.farg, n.out.numel());
        }, out, {x});
        n.farg = s;
        tape.record(n);
    }
    return out;
}

Tensor sum(Tape& tape, Tensor x) {
    auto [out, rec] = make_output(tape, Shape{1}, {x});
    sum_forward(out.data, x.data, x.numel());
    if (rec)
        tape.record(node_of("sum", [](const Node& n) {
            sum_backward(n.in[0].grad, n.out.grad, n.in[0].numel());
        }, out, {x}));
    return out;
}

Tensor mean(Tape& tape, Tensor x) {
    auto [out, rec] = make_output(tape, Shape{1}, {x});
    mean_forward(out.data, x.data, x.numel());
    if (rec)
        tape.record(node_of("mean", [](const Node& n) {
            mean_backward(n.in[0].grad, n.out.grad, n.in[0].numel());
        }, out, {x}));
    return out;
}

// matmul
// ------
// a is seen as a matrix (M, K) with every leading axis folded into M, so (B, T, C) @ (C, N)
// is one gemm of (B*T, C) by (C, N). The output keeps a's leading axes.
Tensor matmul(Tape& tape, Tensor a, Tensor b, bool trans_b) {
    check_data("matmul", a);
    check_data("matmul", b);
    GLULAB_CHECK(b.shape.rank == 2, "the right operand is a matrix", "matmul: b has shape {}", b.shape);
    const int K = a.cols();
    const int bK = trans_b ? b.shape[1] : b.shape[0];
    const int N = trans_b ? b.shape[0] : b.shape[1];
    GLULAB_CHECK(K == bK, "a (..., K) needs b (K, N), or b (N, K) with trans_b",
                 "matmul: a {} and b {}{} do not chain", a.shape, b.shape, trans_b ? "^T" : "");
    Shape s = a.shape;
    s.dims[static_cast<size_t>(s.rank - 1)] = N;
    auto [out, rec] = make_output(tape, s, {a, b});
    const int M = static_cast<int>(a.rows());
    matmul_forward(out.data, a.data, b.data, M, N, K, trans_b);
    if (rec) {
        Node n = node_of("matmul", [](const Node& n) {
            const Tensor &a = n.in[0], &b = n.in[1];
            matmul_backward(a.grad, b.grad, n.out.grad, a.data, b.data,
                            static_cast<int>(a.rows()), n.out.cols(), a.cols(), n.iarg[0] != 0);
        }, out, {a, b});
        n.iarg[0] = trans_b;
        tape.record(n);
    }
    return out;
}

Tensor linear(Tape& tape, Tensor x, Tensor weight, Tensor bias) {
    Tensor y = matmul(tape, x, weight, /*trans_b=*/true);
    return bias.data ? add_bias(tape, y, bias) : y;
}

Tensor activation(Tape& tape, Tensor x, Act act) {
    auto [out, rec] = make_output(tape, x.shape, {x});
    activation_forward(out.data, x.data, x.numel(), act);
    if (rec) {
        Node n = node_of(act_name(act), [](const Node& n) {
            activation_backward(n.in[0].grad, n.out.grad, n.in[0].data, n.out.numel(),
                                static_cast<Act>(n.iarg[0]));
        }, out, {x});
        n.iarg[0] = static_cast<int>(act);
        tape.record(n);
    }
    return out;
}

Tensor relu(Tape& tape, Tensor x) { return activation(tape, x, Act::relu); }
Tensor gelu(Tape& tape, Tensor x) { return activation(tape, x, Act::gelu); }
Tensor sigmoid(Tape& tape, Tensor x) { return activation(tape, x, Act::sigmoid); }
Tensor silu(Tape& tape, Tensor x) { return activation(tape, x, Act::silu); }

// up_gate (..., 2H) is one product's output, each row [up (H) | gate (H)]; out is (..., H).
// The kernel reads the two halves in place (row stride 2H), and the backward writes their
// gradients into the same halves of up_gate's gradient. With beta (1), a learned scale of the
// gate (act(beta * gate) * up), it is the node's second input and receives its gradient too.
Tensor glu(Tape& tape, Tensor up_gate, Act act, Tensor beta) {
    GLULAB_CHECK(up_gate.cols() % 2 == 0 && up_gate.cols() > 0, "pass the (..., 2H) rows [up | gate]",
                 "glu: the last axis of {} must be even", up_gate.shape);
    GLULAB_CHECK(!beta.data || beta.numel() == 1, "beta is one number, shape (1)",
                 "glu: beta has shape {}", beta.shape);
    const int H = up_gate.cols() / 2;
    Shape shape = up_gate.shape;
    shape.dims[static_cast<size_t>(shape.rank - 1)] = H;
    auto [out, rec] = beta.data ? make_output(tape, shape, {up_gate, beta})
                                : make_output(tape, shape, {up_gate});
    glu_forward(out.data, up_gate.data + H, up_gate.data, out.rows(), H, 2 * H, act, beta.data);
    if (rec) {
        auto backward = [](const Node& n) {
            const int H = n.out.cols();
            float* d = n.in[0].grad;
            const Tensor& beta = n.in[1];  // empty without beta
            glu_backward(d ? d + H : nullptr, d, n.out.grad, n.in[0].data + H, n.in[0].data,
                         n.out.rows(), H, 2 * H, static_cast<Act>(n.iarg[0]), beta.grad, beta.data);
        };
        Node n = beta.data ? node_of("glu", backward, out, {up_gate, beta})
                           : node_of("glu", backward, out, {up_gate});
        n.iarg[0] = static_cast<int>(act);
        tape.record(n);
    }
    return out;
}

Tensor rms_norm(Tape& tape, Tensor x, Tensor g, float eps) {
    GLULAB_CHECK(g.shape.rank == 1 && g.shape[0] == x.cols(), "the gain has one value per channel",
                 "rms_norm: gain {} does not match x {}", g.shape, x.shape);
    auto [out, rec] = make_output(tape, x.shape, {x, g});
    float* rstd = tape.scratch(static_cast<size_t>(x.rows()));
    rms_norm_forward(out.data, rstd, x.data, g.data, x.rows(), x.cols(), eps);
    if (rec) {
        Node n = node_of("rms_norm", [](const Node& n) {
            rms_norm_backward(n.in[0].grad, n.in[1].grad, n.out.grad, n.in[0].data, n.in[1].data,
                              n.saved[0], n.out.rows(), n.out.cols());
        }, out, {x, g});
        n.saved[0] = rstd;
        tape.record(n);
    }
    return out;
}

Tensor fake_quant(Tape& tape, Tensor x, bool per_row) {
    auto [out, rec] = make_output(tape, x.shape, {x});
    float* scales = tape.scratch(static_cast<size_t>(per_row ? x.rows() : 1));
    quant_scales(scales, x.data, x.rows(), x.cols(), per_row);
    fake_quant_forward(out.data, x.data, scales, x.rows(), x.cols(), per_row);
    if (rec) {
        Node n = node_of("fake_quant", [](const Node& n) {
            fake_quant_backward(n.in[0].grad, n.out.grad, n.in[0].data, n.saved[0], n.out.rows(), n.out.cols(),
                                n.iarg[0] != 0);
        }, out, {x});
        n.saved[0] = scales;
        n.iarg[0] = per_row ? 1 : 0;
        tape.record(n);
    }
    return out;
}

Tensor layer_norm(Tape& tape, Tensor x, Tensor g, Tensor b, float eps) {
    GLULAB_CHECK(g.shape.rank == 1 && g.shape[0] == x.cols() && b.shape == g.shape,
                 "the gain and the bias have one value per channel",
                 "layer_norm: gain {} and bias {} do not match x {}", g.shape, b.shape, x.shape);
    auto [out, rec] = make_output(tape, x.shape, {x, g, b});
    float* mean = tape.scratch(static_cast<size_t>(x.rows()));
    float* rstd = tape.scratch(static_cast<size_t>(x.rows()));
    layer_norm_forward(out.data, mean, rstd, x.data, g.data, b.data, x.rows(), x.cols(), eps);
    if (rec) {
        Node n = node_of("layer_norm", [](const Node& n) {
            layer_norm_backward(n.in[0].grad, n.in[1].grad, n.in[2].grad, n.out.grad,
                                n.in[0].data, n.in[1].data, n.saved[0], n.saved[1],
                                n.out.rows(), n.out.cols());
        }, out, {x, g, b});
        n.saved[0] = mean;
        n.saved[1] = rstd;
        tape.record(n);
    }
    return out;
}

Tensor softmax(Tape& tape, Tensor x) {
    auto [out, rec] = make_output(tape, x.shape, {x});
    softmax_forward(out.data, x.data, x.rows(), x.cols());
    if (rec)
        tape.record(node_of("softmax", [](const Node& n) {
            softmax_backward(n.in[0].grad, n.out.grad, n.out.data, n.out.rows(), n.out.cols());
        }, out, {x}));
    return out;
}

Tensor cross_entropy(Tape& tape, Tensor logits, const int* targets) {
    auto [out, rec] = make_output(tape, Shape{1}, {logits});
    const int64_t N = logits.rows();
    const int V = logits.cols();
    float* probs = tape.scratch(static_cast<size_t>(N * V));
    out.data[0] = cross_entropy_forward(probs, logits.data, targets, N, V);
    if (rec) {
        Node n = node_of("cross_entropy", [](const Node& n) {
            cross_entropy_backward(n.in[0].grad, n.out.grad[0], n.saved[0], n.ids,
                                   n.in[0].rows(), n.in[0].cols());
        }, out, {logits});
        n.saved[0] = probs;
        n.ids = targets;
        tape.record(n);
    }
    return out;
}

Tensor embedding(Tape& tape, const int* ids, Shape ids_shape, Tensor weight) {
    GLULAB_CHECK(weight.shape.rank == 2, "an embedding table is (V, C)",
                 "embedding: weight has shape {}", weight.shape);
    GLULAB_CHECK(ids_shape.rank >= 1 && ids_shape.rank <= 3, "ids are (N), (B, T) or similar",
                 "embedding: ids of shape {}", ids_shape);
    Shape s = ids_shape;
    s.dims[static_cast<size_t>(s.rank++)] = weight.shape[1];
    auto [out, rec] = make_output(tape, s, {weight});
    embedding_forward(out.data, ids, weight.data, ids_shape.numel(), weight.shape[1], weight.shape[0]);
    if (rec) {
        Node n = node_of("embedding", [](const Node& n) {
            embedding_backward(n.in[0].grad, n.out.grad, n.ids, n.out.rows(), n.out.cols());
        }, out, {weight});
        n.ids = ids;
        tape.record(n);
    }
    return out;
}

Tensor attention(Tape& tape, Tensor qkv, int NH) {
    GLULAB_CHECK(qkv.shape.rank == 3 && qkv.shape[2] % 3 == 0, "qkv is (B, T, 3C)",
                 "attention: qkv has shape {}", qkv.shape);
    const int B = qkv.shape[0], T = qkv.shape[1], C = qkv.shape[2] / 3;
    GLULAB_CHECK(NH > 0 && C % NH == 0, "the channels must split evenly into heads",
                 "attention: C={} is not divisible by NH={}", C, NH);
    auto [out, rec] = make_output(tape, Shape{B, T, C}, {qkv});
    float* probs = tape.scratch(static_cast<size_t>(B) * NH * T * T);
    attention_forward(out.data, probs, qkv.data, B, T, C, NH);
    if (rec) {
        Node n = node_of("attention", [](const Node& n) {
            const Shape& s = n.in[0].shape;
            attention_backward(n.in[0].grad, n.saved[1], n.out.grad, n.in[0].data, n.saved[0],
                               s[0], s[1], s[2] / 3, n.iarg[0]);
        }, out, {qkv});
        n.saved[0] = probs;
        n.saved[1] = tape.scratch(static_cast<size_t>(attention_scratch_floats(B, T, NH)));
        n.iarg[0] = NH;
        tape.record(n);
    }
    return out;
}

Tensor dropout(Tape& tape, Tensor x, float p, uint64_t seed, int64_t first) {
    GLULAB_CHECK(p >= 0.0f && p < 1.0f, "dropout takes 0 <= p < 1", "dropout: p = {}", p);
    if (p == 0.0f) return x;
    auto [out, rec] = make_output(tape, x.shape, {x});
    float* mask = tape.scratch(static_cast<size_t>(x.numel()));
    dropout_forward(out.data, mask, x.data, x.numel(), p, seed, first);
    if (rec) {
        Node n = node_of("dropout", [](const Node& n) {
            dropout_backward(n.in[0].grad, n.out.grad, n.saved[0], n.out.numel());
        }, out, {x});
        n.saved[0] = mask;
        tape.record(n);
    }
    return out;
}

}  // namespace glulab
