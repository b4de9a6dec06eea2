// cmd_reference.cpp — `glulab reference`: the numbers PyTorch checks glulab against.
//
//     glulab reference --ffn swiglu --out build/crosscheck/swiglu
//     /usr/bin/python3 tests/torch/crosscheck.py build/crosscheck/swiglu
//
// Builds a small model that still has every part of the real one (L = 2 blocks, C = 32,
// NH = 4 heads, T = 16, V = 29, any FFN kind), runs it on one random batch and writes two files
// into --out, in the layout tests/torch/crosscheck.py reads (docs/checkpoint-format.md):
//
//     model.safetensors      the weights, config and vocab (save_model, as a checkpoint)
//     reference.safetensors  idx (B, T) I32, targets (B, T) I32   the batch
//                            logits (B, T, V), loss (1)           the forward pass
//                            grad.<name>, one per parameter       of the mean loss
//                            adamw_losses (S)                     S training steps, below
//                            adamw_lrs (S), adamw_grad_norms (S)  what each step used
//                            adamw.grad.<name> (S, ...)           each step's gradient, unclipped
//                            adamw.data.<name>, adamw.m.<name>,   weights and moments before
//                              adamw.v.<name> (S + 1, ...)        update s, and after the last
//                            __metadata__ optim                   the OptimConfig as JSON
//
// The S training steps start from the saved weights and repeat the same batch, each exactly
// as train_run does it (trainer.cpp): loss, backward, clip_grad_norm, adamw_step with
// learning_rate(opt, s) and t = s + 1. adamw_losses[s] is the loss before update s. PyTorch
// replays them one at a time: before each step it takes glulab's own weights, moments and
// gradient, does that one step with torch.optim.AdamW and compares the state it reaches with
// glulab's next one. So the trajectories cannot drift apart (a gate that flips sign near a
// ReLU kink would move a whole trajectory), and one step's tolerance can be tight.
//
// Leaves out: dropout (PyTorch draws other masks, so the reference is made without it).
//
// Lesson 12 · training
#include "commands.hpp"
#include "flags.hpp"

#include "glulab/ops/ops.hpp"
#include "glulab/train/checkpoint.hpp"
#include "glulab/train/json_io.hpp"
#include "glulab/train/run_dir.hpp"
#include "glulab/train/run_lock.hpp"
#include "glulab/train/safetensors.hpp"
#include "glulab/core/tape.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace glulab {

namespace {

struct ReferenceArgs {
    ModelConfig model{.vocab_size = 29, .ctx = 16, .layers = 2, .d_model = 32, .heads = 4};
    std::string ffn = "swiglu";
    std::string out;
    int batch = 4;             // B
    int steps = 5;             // S, AdamW steps recorded
    uint64_t seed = 1337;
    bool plain_init = false;   // keep glulab's init as it is (see spread_weights)
    bool force = false;        // replace a trained run's model.safetensors
};

// The optimizer settings of the reference, chosen so that every term of the update shows in
// the S = 5 recorded steps: a warmup of 2 steps (lr / 2, then lr), the cosine from lr down to
// min_lr over the rest, weight decay large enough to move the losses, bias corrections that
// matter at t = 1..5, and a clip below the gradient norm, so that clipping acts.
OptimConfig reference_optim(int steps) {
    return OptimConfig{.lr = 1e-2f, .min_lr = 1e-3f, .warmup = std::min(2, steps), .steps = steps,
                       .beta1 = 0.9f, .beta2 = 0.99f, .eps = 1e-8f, .weight_decay = 0.1f,
                       .clip = 0.5f};
}

// V characters: newline, space, a..z, '.', ... then, past the end of the list, code points
// from U+00C0 on. Only the count matters to the model; the characters make the vocab readable.
Vocab make_vocab(int V) {
    const std::u32string alphabet =
        U"\n abcdefghijklmnopqrstuvwxyz.,!?;:'-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::vector<char32_t> cps(alphabet.begin(),
                              alphabet.begin() + std::min<ptrdiff_t>(V, std::ssize(alphabet)));
    for (char32_t cp = 0xC0; std::ssize(cps) < V; cp++) cps.push_back(cp);
    return Vocab(std::move(cps));
}

// spread_weights
// --------------
// glulab's init (N(0, 0.02), gains 1) makes the logits nearly 0, the attention nearly uniform
// and every gain exactly 1, where a model that forgot a gain, or a head's scale, would give
// the same numbers. For the reference the matrices and embeddings are scaled by 10 (N(0, 0.2):
// pre-activations and attention scores of order 1, so the activations' curves and the
// softmax matter), each norm gain becomes 1 + 0.2 N(0, 1) and each norm bias (--norm
// layernorm; the model's only biases) 0.2 N(0, 1), so a bias that was dropped would show.
void spread_weights(Transformer& model, uint64_t seed) {
    ParamStore& ps = model.params();
    Rng rng(seed + 1);  // a stream apart from the one init(seed) drew the weights from
    for (const ParamEntry& e : ps.entries()) {
        float* w = ps.data() + e.offset;
        const bool vector = e.shape.rank == 1;  // a norm's weight or bias (C)
        const bool bias = vector && e.name.ends_with(".bias");
        for (int64_t i = 0; i < e.shape.numel(); i++)
            w[i] = !vector ? 10.0f * w[i]
                           : (bias ? 0.0f : 1.0f) + 0.2f * static_cast<float>(rng.normal());
    }
}

// Copies of the recorded numbers (the tape's tensors are gone at its next reset).
struct Reference {
    std::vector<int32_t> idx, targets;  // (B, T) each
    std::vector<float> logits;          // (B, T, V)
    float loss = 0;
    std::vector<float> grad;            // the flat gradient array, all parameters
    std::vector<float> adamw_losses, adamw_lrs, adamw_grad_norms;  // (S) each
    // Flat copies of the store's arrays: data, m and v before update s and after the last
    // (S + 1 each), the gradient of step s before clipping (S).
    std::vector<std::vector<float>> step_data, step_m, step_v, step_grad;
};

void keep_state(Reference& r, const ParamStore& ps) {
    r.step_data.emplace_back(ps.data(), ps.data() + ps.size());
    r.step_m.emplace_back(ps.adam_m(), ps.adam_m() + ps.size());
    r.step_v.emplace_back(ps.adam_v(), ps.adam_v() + ps.size());
}

Reference compute_reference(Transformer& model, const OptimConfig& opt, int B, uint64_t seed) {
    const int T = model.config().ctx, V = model.config().vocab_size;
    Reference r;
    Rng rng(seed + 2);
    r.idx.resize(static_cast<size_t>(B * T));
    r.targets.resize(r.idx.size());
    for (auto& id : r.idx) id = static_cast<int32_t>(rng.below(static_cast<uint64_t>(V)));
    for (auto& id : r.targets) id = static_cast<int32_t>(rng.below(static_cast<uint64_t>(V)));

    // Forward and backward: what Transformer::loss does, in two lines to keep the logits.
    Tape tape;
    ParamStore& ps = model.params();
    ps.zero_grad();
    Tensor logits = model.forward(tape, r.idx.data(), B, T);
    Tensor loss = cross_entropy(tape, logits, r.targets.data());
    tape.backward(loss);
    r.logits.assign(logits.data, logits.data + logits.numel());
    r.loss = loss.data[0];
    r.grad.assign(ps.grad(), ps.grad() + ps.size());

    // S training steps on the same batch, one as in train_run each (trainer.cpp).
    for (int s = 0; s < opt.steps; s++) {
        tape.reset();
        ps.zero_grad();
        Tensor l = model.loss(tape, r.idx.data(), r.targets.data(), B, T);
        tape.backward(l);
        keep_state(r, ps);
        r.step_grad.emplace_back(ps.grad(), ps.grad() + ps.size());
        const float norm = clip_grad_norm(ps, opt.clip);
        const float lr = learning_rate(opt, s);
        adamw_step(ps, opt, lr, s + 1);
        r.adamw_losses.push_back(l.data[0]);  // before update s
        r.adamw_lrs.push_back(lr);
        r.adamw_grad_norms.push_back(norm);
    }
    keep_state(r, ps);
    return r;
}

void write_reference(const std::string& path, const Reference& r, const ParamStore& ps,
                     const OptimConfig& opt, int B, int T, int V) {
    const int S = static_cast<int>(r.adamw_losses.size());
    std::vector<SafetensorsEntry> tensors;
    tensors.emplace_back("idx", Shape{B, T}, r.idx.data());
    tensors.emplace_back("targets", Shape{B, T}, r.targets.data());
    tensors.emplace_back("logits", Shape{B, T, V}, r.logits.data());
    tensors.emplace_back("loss", Shape{1}, &r.loss);
    // Simulated int8 of the logits (B*T, V), a real spread of values: one scale for the whole
    // tensor, and one per row, each against PyTorch's fake_quantize_per_tensor_affine and
    // fake_quantize_per_channel_affine.
    const int64_t N = int64_t{B} * T;
    std::vector<float> scales(static_cast<size_t>(N)), q_tensor(r.logits.size()), q_row(r.logits.size());
    quant_scales(scales.data(), r.logits.data(), N, V, false);
    fake_quant_forward(q_tensor.data(), r.logits.data(), scales.data(), N, V, false);
    quant_scales(scales.data(), r.logits.data(), N, V, true);
    fake_quant_forward(q_row.data(), r.logits.data(), scales.data(), N, V, true);
    tensors.emplace_back("quant.per_tensor", Shape{B * T, V}, q_tensor.data());
    tensors.emplace_back("quant.per_row", Shape{B * T, V}, q_row.data());
    for (const ParamEntry& e : ps.entries())
        tensors.emplace_back("grad." + e.name, e.shape, r.grad.data() + e.offset);
    tensors.emplace_back("adamw_losses", Shape{S}, r.adamw_losses.data());
    tensors.emplace_back("adamw_lrs", Shape{S}, r.adamw_lrs.data());
    tensors.emplace_back("adamw_grad_norms", Shape{S}, r.adamw_grad_norms.data());
    // adamw.<what>.<name>: the parameter's slice of each flat copy, stacked (rows, shape...).
    std::vector<std::vector<float>> stacked;
    stacked.reserve(4 * ps.entries().size());
    for (const auto& [what, copies] : {std::pair{"grad", &r.step_grad}, std::pair{"data", &r.step_data},
                                       std::pair{"m", &r.step_m}, std::pair{"v", &r.step_v}})
        for (const ParamEntry& e : ps.entries()) {
            std::vector<float>& rows = stacked.emplace_back();
            for (const std::vector<float>& flat : *copies)
                rows.insert(rows.end(), flat.begin() + static_cast<ptrdiff_t>(e.offset),
                            flat.begin() + static_cast<ptrdiff_t>(e.offset + e.shape.numel()));
            Shape shape;
            shape.rank = e.shape.rank + 1;
            shape.dims[0] = static_cast<int>(copies->size());
            for (int i = 0; i < e.shape.rank; i++) shape.dims[static_cast<size_t>(i + 1)] = e.shape[i];
            tensors.emplace_back(fmt::format("adamw.{}.{}", what, e.name), shape, rows.data());
        }
    safetensors_write(path, tensors, {{"optim", optim_config_to_json(opt)}});
}

void run(ReferenceArgs& a) {
    a.model.ffn = parse_ffn_kind(a.ffn);
    GLULAB_CHECK(a.model.dropout == 0.0f, "leave --dropout out",
                 "reference: dropout {} would draw masks PyTorch cannot reproduce",
                 a.model.dropout);
    a.model.validate();
    const OptimConfig opt = reference_optim(a.steps);
    opt.validate();
    const int B = a.batch, T = a.model.ctx, V = a.model.vocab_size;

    // --out is a directory of its own: a trained run, or someone else's model.safetensors,
    // is replaced only with --force, as by train; and one process at a time writes there.
    const std::string model_path = run_file(a.out, run_files::model);
    const std::string ref_path = run_file(a.out, "reference.safetensors");
    if (!a.force) {
        GLULAB_CHECK(!holds_run(a.out), "give another --out, or pass --force to overwrite the run",
                     "{} holds a trained run; reference would replace its model.safetensors", a.out);
        GLULAB_CHECK(!std::filesystem::exists(model_path) || std::filesystem::exists(ref_path),
                     "give another --out, or pass --force to overwrite it",
                     "{} holds a model.safetensors that reference did not write", a.out);
    }
    Transformer model(a.model);
    model.init(a.seed);
    if (!a.plain_init) spread_weights(model, a.seed);
    std::filesystem::create_directories(a.out);
    const RunLock lock(a.out);
    save_model(model_path, model, make_vocab(V));  // before training changes the weights

    fmt::print("glulab reference  ffn {}  norm {}  L {}  C {}  NH {}  T {}  B {}  V {}  H {}  seed {}\n",
               a.ffn, norm_kind_name(a.model.norm), a.model.layers, a.model.d_model, a.model.heads, T, B, V, model.d_ff(), a.seed);
    Reference r = compute_reference(model, opt, B, a.seed);
    fmt::print("  loss {:.6f} (log V = {:.6f})\n", r.loss, std::log(static_cast<double>(V)));
    fmt::print("  AdamW lr {} -> {} (warmup {})  wd {}  clip {}\n", opt.lr, opt.min_lr, opt.warmup,
               opt.weight_decay, opt.clip);
    fmt::print("  {:>4}  {:>9}  {:>9}  {:>9}\n", "step", "lr", "grad norm", "loss");
    for (size_t s = 0; s < r.adamw_losses.size(); s++) {
        const float norm = r.adamw_grad_norms[s];
        fmt::print("  {:>4}  {:>9.2e}  {:>9.4f}  {:>9.6f}{}\n", s, r.adamw_lrs[s], norm,
                   r.adamw_losses[s], norm > opt.clip ? "  (clipped)" : "");
    }

    write_reference(ref_path, r, model.params(), opt, B, T, V);
    fmt::print("wrote {} and {}\n", model_path, ref_path);
}

}  // namespace

void add_reference_command(CLI::App& app) {
    auto a = std::make_shared<ReferenceArgs>();
    Command* cmd = add_command(
        app, "reference", "Write a small model with its logits, loss, gradients and AdamW losses, for "
                     "the PyTorch cross-check");
    cmd->add_option("--ffn", a->ffn, "feed-forward kind: " + ffn_kind_names())->capture_default_str();
    cmd->add_option("--out", a->out, "directory for model.safetensors and reference.safetensors")
        ->required();
    add_model_flags(*cmd, a->model);
    cmd->add_option("--vocab", a->model.vocab_size, "V (random tokens)")
        ->check(positive())->capture_default_str();
    cmd->add_option("--batch", a->batch, "B")->check(positive())->capture_default_str();
    cmd->add_option("--steps", a->steps, "S, AdamW steps whose losses are recorded")
        ->check(positive())->capture_default_str();
    cmd->add_option("--seed", a->seed, "seed for the weights and the batch")->check(non_negative())->capture_default_str();
    cmd->add_flag("--force", a->force, "write into a directory that holds a trained run or another model");
    cmd->add_flag("--plain-init", a->plain_init,
                  "keep glulab's init (N(0, 0.02), gains 1) instead of spreading the weights");
    cmd->callback([a] { run(*a); });
}

}  // namespace glulab
