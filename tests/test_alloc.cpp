// test_alloc.cpp — after the first step, training and evaluation allocate nothing; a tiny
// model overfits a tiny text.
#include <doctest/doctest.h>

#include "glulab/platform/alloc_counter.hpp"
#include "glulab/train/data.hpp"
#include "glulab/train/inference.hpp"
#include "glulab/nn/kv_cache.hpp"
#include "glulab/nn/model.hpp"
#include "glulab/train/optim.hpp"

#include <cmath>

using namespace glulab;

namespace {

const char* tiny_text =
    "First Citizen: Before we proceed any further, hear me speak. All: Speak, speak. "
    "First Citizen: You are all resolved rather to die than to famish? All: Resolved. resolved.\n";

Corpus tiny_corpus() {
    Vocab vocab = Vocab::from_text(tiny_text);
    std::vector<int> ids = vocab.encode(tiny_text);
    return Corpus{std::move(vocab), Dataset(std::move(ids))};
}

ModelConfig with_vocab(ModelConfig cfg, int V) {
    cfg.vocab_size = V;
    return cfg;
}

// Everything one training run needs, built before the steps that are counted. The sampler
// draws from the whole text: this run is about memorising it.
struct Run {
    Corpus corpus;
    Transformer model;
    BatchSampler sampler;
    OptimConfig opt;
    Tape tape;
    int B, T, step = 0;

    Run(const ModelConfig& cfg, int B_, int T_, const OptimConfig& o)
        : corpus(tiny_corpus()),
          model(with_vocab(cfg, corpus.vocab.size())),
          sampler(corpus.data.ids(), B_, T_, 1),
          opt(o),
          B(B_),
          T(T_) {
        model.init(42);
    }

    // One training step, exactly as the trainer runs it.
    float train_step() {
        tape.reset();
        model.params().zero_grad();
        sampler.next();
        Tensor loss = model.loss(tape, sampler.inputs(), sampler.targets(), B, T);
        tape.backward(loss);
        clip_grad_norm(model.params(), opt.clip);
        adamw_step(model.params(), opt, learning_rate(opt, step), step + 1);
        step++;
        return loss.data[0];
    }

    float eval_loss(const EvalBatches& eval) {
        float sum = 0;
        for (int i = 0; i < eval.count(); i++) {
            tape.reset();
            NoGrad off(tape);
            sum += model.loss(tape, eval.inputs(i), eval.targets(i), eval.B(), eval.T()).data[0];
        }
        return sum / static_cast<float>(eval.count());
    }
};

}  // namespace

TEST_CASE("allocations: training steps 2..6 and repeated evaluation allocate nothing") {
    for (FfnKind kind : {FfnKind::swiglu, FfnKind::gelu}) {
        CAPTURE(ffn_kind_name(kind));
        Run run(ModelConfig{.ctx = 16, .layers = 2, .d_model = 32, .heads = 2, .ffn = kind,
                            .dropout = 0.1f},
                4, 16, OptimConfig{.warmup = 2, .steps = 10});
        EvalBatches eval(run.corpus.data.ids(), 4, 16, 3, 7);

        run.train_step();  // step 1 grows the arena and the node list
        const long before = glulab::heap_allocations();
        for (int s = 2; s <= 6; s++) run.train_step();
        CHECK(glulab::heap_allocations() - before == 0);

        run.eval_loss(eval);  // the first evaluation may still grow something
        const long before_eval = glulab::heap_allocations();
        const float a = run.eval_loss(eval);
        const float b = run.eval_loss(eval);
        CHECK(glulab::heap_allocations() - before_eval == 0);
        CHECK(a == b);  // no dropout, same batches: the same estimate

        const long before_more = glulab::heap_allocations();
        run.train_step();  // training again after evaluation
        CHECK(glulab::heap_allocations() - before_more == 0);
    }
}

// The loop of inference.cpp → generate with the cache, character by character: a restart
// (clear, prefill of T/2 ids), then one position per character up to T, three times over.
TEST_CASE("allocations: the cached sampler's characters and restarts allocate nothing") {
    const Corpus corpus = tiny_corpus();
    const int V = corpus.vocab.size(), T = 16;
    Transformer model(ModelConfig{.vocab_size = V, .ctx = T, .layers = 2, .d_model = 32, .heads = 2});
    model.init(3);
    KvCache cache(model.config());
    TokenSampler sampler(V, SampleOptions{.seed = 5});
    std::vector<int> ids(static_cast<size_t>(T), 0);
    Tape tape;
    NoGrad off(tape);
    auto restart_and_fill = [&] {
        cache.clear();
        tape.reset();
        forward_cached(model, tape, ids.data(), T / 2, cache);  // the prefill
        for (int t = T / 2; t < T; t++) {                       // one position per character
            tape.reset();
            Tensor logits = forward_cached(model, tape, ids.data() + t, 1, cache);
            const int next = sampler.next(logits.data, t);
            if (t + 1 < T) ids[static_cast<size_t>(t + 1)] = next;
        }
    };
    restart_and_fill();  // the first pass grows the arena
    const long before = glulab::heap_allocations();
    for (int r = 0; r < 3; r++) restart_and_fill();
    CHECK(glulab::heap_allocations() - before == 0);
}

// The same for three texts in one pass (kv_cache.hpp → forward_cached of several texts).
TEST_CASE("allocations: the cached sampler of several texts allocates nothing per character") {
    const Corpus corpus = tiny_corpus();
    const int V = corpus.vocab.size(), T = 16, B = 3;
    Transformer model(ModelConfig{.vocab_size = V, .ctx = T, .layers = 2, .d_model = 32, .heads = 2});
    model.init(3);
    std::vector<KvCache> caches(B, KvCache(model.config()));
    std::vector<Tensor> logits(B);
    const std::vector<int> ids(static_cast<size_t>(T), 1);
    std::vector<const int*> next(B, ids.data());
    Tape tape;
    NoGrad off(tape);
    auto restart_and_fill = [&] {
        for (KvCache& c : caches) c.clear();
        tape.reset();
        forward_cached(model, tape, next, T / 2, caches, logits);  // the prefills
        for (int t = T / 2; t < T; t++) {                          // one position per character
            tape.reset();
            forward_cached(model, tape, next, 1, caches, logits);
        }
    };
    restart_and_fill();  // the first pass grows the arena
    const long before = glulab::heap_allocations();
    for (int r = 0; r < 3; r++) restart_and_fill();
    CHECK(glulab::heap_allocations() - before == 0);
}

TEST_CASE("training: a tiny model overfits a tiny text in 100 steps") {
    Run run(ModelConfig{.ctx = 16, .layers = 2, .d_model = 32, .heads = 2,
                        .ffn = FfnKind::swiglu},
            8, 16, OptimConfig{.lr = 1e-2f, .min_lr = 1e-3f, .warmup = 10, .steps = 100});
    const float log_v = std::log(static_cast<float>(run.corpus.vocab.size()));
    const float first = run.train_step();
    CHECK(std::abs(first - log_v) < 0.1f);
    float last = first;
    while (run.step < 100) last = run.train_step();
    INFO("loss ", first, " -> ", last, " (log V = ", log_v, ")");
    CHECK(last < 0.3f * log_v);
}
