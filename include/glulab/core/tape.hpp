// tape.hpp — the autograd tape: a list of what was computed, replayed backwards.
//
// Every differentiable op (autograd.hpp) does three things: allocate its output from the
// tape's arena, call its named forward kernel (ops.hpp), and, when recording, append a Node
// that says how to call its named backward kernel. That is all the tape does: it glues.
//
// Nodes are appended in execution order, so the list is already a topological order of the
// graph: `backward(loss)` seeds dloss = 1 and runs one loop from the last node to the first.
// Backward kernels add (+=) into the gradients of their inputs, so a tensor used twice
// receives both contributions. An op output's gradient buffer is zeroed by the tape just
// before the first backward that adds into it (its last consumer's), not when it is made
// (tape_zeroing.cpp).
//
// `NoGrad` switches recording off (evaluation, sampling): ops then allocate no gradient
// buffers and append no nodes. Tools that watch the tape work (the bench's per-op timing,
// op_profile.hpp) are observers installed from outside; the tape itself measures nothing.
//
// Lesson 03 · the tape
#pragma once

#include "glulab/core/arena.hpp"
#include "glulab/core/tensor.hpp"

#include <array>
#include <string>
#include <vector>

namespace glulab {

// Node
// ----
// One recorded op. `backward` is a plain function pointer to the op's glue, which reads the
// fields below and calls the named backward kernel. Fixed-size fields keep a Node free of heap
// memory, so recording allocates nothing once the node list has grown in the first step.
struct Node {
    const char* op = "";                      // "rms_norm", printed by listing() and dot()
    void (*backward)(const Node&) = nullptr;  // the op's glue, calls e.g. rms_norm_backward
    Tensor out;                               // the op's result (its grad is dout)
    std::array<Tensor, 3> in{};               // the op's tensor inputs
    int n_in = 0;
    std::array<float*, 2> saved{};            // what the forward cached, e.g. rstd
    std::array<int, 3> zero_first{-1, -1, -1};  // the tape's: gradient buffers to zero first
    const int* ids = nullptr;                 // token ids (embedding, cross_entropy)
    std::array<int, 4> iarg{};                // integer attributes: heads, activation kind, ...
    float farg = 0.0f;                        // a float attribute: scale factor, eps, ...
};

// TapeObserver
// ------------
// A hook for tools that watch the tape without being part of it: the tape calls `recorded`
// after appending a node, `reset` from reset(), and `backward_begin` / `backward_end` around
// each node's backward step (zeroing included). With no observer installed it calls nothing.
struct TapeObserver {
    virtual ~TapeObserver() = default;
    virtual void recorded(const Node& node) = 0;
    virtual void reset() = 0;
    virtual void backward_begin(const Node& node) = 0;
    virtual void backward_end(const Node& node) = 0;
};

class Tape {
public:
    Tape();

    // Is the tape recording? False inside a NoGrad scope.
    bool recording() const { return recording_; }
    // Should an op whose inputs are these record itself? (recording and any input needs grad)
    bool wants_grad(std::initializer_list<Tensor> inputs) const;

    // A new op result from the arena; with `grad`, also a gradient buffer, which reads as zero
    // from the start of backward() on (the tape zeroes it late, while it is about to be used).
    Tensor new_tensor(Shape shape, bool grad);
    // Scratch floats from the arena (an op's cache); lives until reset().
    float* scratch(size_t n) { return arena_.alloc(n); }
    void record(const Node& node);

    // Seed d(loss) = 1 and run every node's backward, last to first.
    void backward(Tensor loss);
    // One step of that loop: zero the gradient buffers node k is the first to add into (once
    // per buffer and step), then call its backward.
    void backward_node(size_t k);
    // Forget all nodes and activations (keeps the memory for the next step).
    void reset();

    const std::vector<Node>& nodes() const { return nodes_; }
    const Arena& arena() const { return arena_; }
    // One line per node: "  3 rms_norm     (16, 64, 128), (128) -> (16, 64, 128)"
    std::string listing() const;
    // The graph in Graphviz DOT: `dot -Tpng` draws it.
    std::string dot() const;

    // Install an observer (null: none, the default); the caller keeps it alive. The bench's
    // per-op timing is one (op_profile.hpp).
    void observe(TapeObserver* observer) { observer_ = observer; }

private:
    friend class NoGrad;
    // Late zeroing (tape_zeroing.cpp): the gradient buffers new_tensor made this step, the
    // last recorded node that reads each as an input's grad (-1: none), and whether it has
    // been zeroed.
    struct GradBuffer {
        float* grad;
        size_t n;
        int last_consumer = -1;
        bool zeroed = false;
    };
    void note_consumer(Node& node, int index);  // record(): node `index` reads these buffers
    void zero_unread();                         // backward(): the buffers no node reads
    void zero_before(const Node& node);         // backward_node(): those node adds into first
    void zero_once(GradBuffer& b);
    Arena arena_;
    std::vector<Node> nodes_;
    std::vector<GradBuffer> grad_buffers_;
    bool recording_ = true;
    TapeObserver* observer_ = nullptr;
};

// NoGrad: records nothing while in scope.
//   { NoGrad off(tape); logits = model.forward(tape, ...); }
class NoGrad {
public:
    explicit NoGrad(Tape& tape) : tape_(tape), before_(tape.recording_) { tape.recording_ = false; }
    ~NoGrad() { tape_.recording_ = before_; }
    NoGrad(const NoGrad&) = delete;
    NoGrad& operator=(const NoGrad&) = delete;

private:
    Tape& tape_;
    bool before_;
};

}  // namespace glulab
