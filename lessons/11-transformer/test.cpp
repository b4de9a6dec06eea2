// Lesson 11 · tests of the exercise: the parameter count by formula against real Transformers.
#include <doctest/doctest.h>

#include "exercise.hpp"

using namespace glulab;
using lesson11::count_params;

namespace {

void check_config(const ModelConfig& cfg) {
    Transformer model(cfg);
    const ParamCounts want = model.param_table().counts;
    const ParamCounts got = count_params(cfg);
    INFO("ffn=" << ffn_kind_name(cfg.ffn) << " V=" << cfg.vocab_size << " T=" << cfg.ctx
                << " L=" << cfg.layers << " C=" << cfg.d_model << " NH=" << cfg.heads
                << " H=" << model.d_ff());
    CHECK(got.embeddings == want.embeddings);
    CHECK(got.attention == want.attention);
    CHECK(got.ffn == want.ffn);
    CHECK(got.norms == want.norms);
    CHECK(got.head == want.head);
    CHECK(got.total == want.total);
    CHECK(got.total == static_cast<int64_t>(model.params().size()));
}

}  // namespace

TEST_SUITE("lesson11") {
    TEST_CASE("the default model (tiny Shakespeare, SwiGLU): 816,512 parameters") {
        const ModelConfig cfg{.vocab_size = 65};
        check_config(cfg);
        CHECK(count_params(cfg).total == 816512);
    }

    TEST_CASE("every FFN kind at the default size") {
        for (FfnKind kind : all_ffn_kinds()) check_config(ModelConfig{.vocab_size = 65, .ffn = kind});
    }

    TEST_CASE("other shapes: depth, width, context, vocabulary") {
        check_config({.vocab_size = 12, .ctx = 8, .layers = 2, .d_model = 16, .heads = 2});  // main.cpp
        check_config({.vocab_size = 1, .ctx = 1, .layers = 1, .d_model = 4, .heads = 1,
                      .ffn = FfnKind::relu});
        check_config({.vocab_size = 100, .ctx = 256, .layers = 6, .d_model = 96, .heads = 3,
                      .ffn = FfnKind::geglu});
        check_config({.vocab_size = 65, .ctx = 32, .layers = 3, .d_model = 40, .heads = 5,
                      .ffn = FfnKind::bilinear, .multiple_of = 64});
    }

    TEST_CASE("an explicit d_ff overrides the automatic width, gated or not") {
        check_config({.vocab_size = 65, .ffn = FfnKind::swiglu, .d_ff = 512});
        check_config({.vocab_size = 65, .ffn = FfnKind::gelu, .d_ff = 100});
        check_config({.vocab_size = 30, .layers = 1, .d_model = 24, .heads = 4, .ffn = FfnKind::glu,
                      .d_ff = 7});
    }
}

// Exercise 5: the node count of a forward, by reasoning, against real tapes.
#include "glulab/core/tape.hpp"

TEST_SUITE("lesson11") {
    TEST_CASE("forward_node_count matches the tape of real forwards") {
        for (FfnKind kind : {FfnKind::relu, FfnKind::swiglu, FfnKind::bilinear})
            for (int layers : {1, 3})
                for (float dropout : {0.0f, 0.1f}) {
                    ModelConfig cfg;
                    cfg.vocab_size = 11;
                    cfg.ctx = 4;
                    cfg.layers = layers;
                    cfg.d_model = 8;
                    cfg.heads = 2;
                    cfg.ffn = kind;
                    cfg.dropout = dropout;
                    Transformer model(cfg);
                    model.init(1);
                    model.train();  // training mode: dropout, when on, records its nodes
                    Tape tape;
                    const int idx[8] = {1, 2, 3, 4, 5, 6, 7, 8};
                    model.forward(tape, idx, 2, 4);
                    INFO("ffn=" << ffn_kind_name(kind) << " L=" << layers << " dropout=" << dropout
                                << "\n" << tape.listing());
                    CHECK(lesson11::forward_node_count(cfg) == static_cast<int64_t>(tape.nodes().size()));
                }
    }
}
