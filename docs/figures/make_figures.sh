#!/bin/sh
# make_figures.sh — draws every lesson figure again (`make figures` runs it from the top folder).
#
# The numbers come from glulab: the lesson programs, the glulab CLI (graph, compare, plot) and
# build/figure_data (docs/figures/figure_data.cpp, glulab's kernels). gnuplot
# (docs/figures/*.gp) and Graphviz's dot draw them into lessons/NN-*/figures/ (SVG; the heat
# maps of lesson 07 as PNG). Scratch files go to build/figures/.
#
# Three kinds of figure:
#   - drawn from a deterministic source (a tape's DOT text, kernel outputs, lesson 07's table):
#     the source is committed beside the figure (tape.dot, activations.csv, ...), and the SVG
#     carries a comment `<!-- drawn from NAME sha256 HASH -->` of the source it was drawn from.
#     `make_figures.sh --sources DIR` writes fresh sources under DIR (same paths) and draws
#     nothing: `make docs-check` compares them with the committed ones, and each stamp with its
#     committed source, so a figure that no longer matches the code fails the check;
#   - drawn from one machine's timings (lesson 14's op times): the data is committed
#     (op_time.dat) and quoted by the lesson's README; this script never measures it again;
#   - drawn from short training runs (attention maps, loss curves, gates): fixed seeds, but
#     another BLAS kernel can move their last digits, so they are redrawn, not compared.
set -eu
B=build
S=$B/figures
G=docs/figures
OUT=.
if [ "${1:-}" = "--sources" ]; then OUT=$2; fi
mkdir -p "$S"
step() { echo "figures: $*"; }
plot() {  # plot SCRIPT OUTPUT [gnuplot -e assignments]
    script=$1 out=$2; shift 2
    gnuplot -e "out='$out'; data='$S'" "$@" "$G/$script"
}
src() {  # src PATH: where a deterministic source is written (PATH, or under DIR with --sources)
    mkdir -p "$(dirname "$OUT/$1")"
    echo "$OUT/$1"
}
stamp() {  # stamp SVG SOURCE: note in the SVG the source it was drawn from, and its sha256
    sum=$(sha256sum "$2" | cut -d' ' -f1)
    sed -i "0,/<svg/s||<!-- drawn from $(basename "$2") sha256 $sum -->\n<svg|" "$1"
}
draw() {  # draw SCRIPT SOURCE SVG [gnuplot -e assignments]: gnuplot, then the stamp
    script=$1 source=$2 svg=$3; shift 3
    plot "$script" "$svg" -e "src='$source'" "$@"
    stamp "$svg" "$source"
}

# Deterministic sources
# ---------------------
step "sources: tapes (lesson 03, glulab graph), kernel outputs (figure_data), lesson 07's table"
$B/lessons/03 | sed -n '/^digraph/,/^}/p' > "$(src lessons/03-the-tape/figures/tape.dot)"
$B/glulab graph --ffn swiglu --layers 1 --d-model 16 --heads 2 --ctx 8 \
    --dot "$(src lessons/11-transformer/figures/tape_block.dot)" > /dev/null
$B/figure_data act > "$(src lessons/06-activations/figures/activations.csv)"
$B/figure_data rmsnorm > "$(src lessons/08-rmsnorm/figures/rmsnorm_vectors.csv)"
$B/figure_data softmax > "$(src lessons/09-softmax-cross-entropy/figures/softmax_temperature.csv)"
$B/lessons/07 | awk '/^fitting y = x1 \* x2/ { on = 1 } on && $1 == "H" { print "#" $0 } on && $1 ~ /^[0-9]+$/ { print }' \
    > "$(src lessons/07-glu-family/figures/gating.dat)"
if [ "$OUT" != . ]; then exit 0; fi

step "03 the tape of lesson 03's y = sum((a b + a) s)"
dot -Tsvg lessons/03-the-tape/figures/tape.dot -o lessons/03-the-tape/figures/tape.svg
stamp lessons/03-the-tape/figures/tape.svg lessons/03-the-tape/figures/tape.dot

step "06 activations and their derivatives"
draw activations.gp lessons/06-activations/figures/activations.csv lessons/06-activations/figures/activations.svg -e "col=0"
draw activations.gp lessons/06-activations/figures/activations.csv lessons/06-activations/figures/derivatives.svg -e "col=1"

step "07 act(g) * u for each GLU variant; one gated unit against many plain ones"
mkdir -p lessons/07-glu-family/figures
for k in glu bilinear reglu geglu swiglu; do $B/figure_data glu $k > "$S/glu_$k.dat"; done
plot glu.gp lessons/07-glu-family/figures/glu_variants.png
draw gating.gp lessons/07-glu-family/figures/gating.dat lessons/07-glu-family/figures/gating.svg

step "08 RMSNorm on 2-D vectors"
draw rmsnorm.gp lessons/08-rmsnorm/figures/rmsnorm_vectors.csv lessons/08-rmsnorm/figures/rmsnorm_vectors.svg

step "09 softmax at four temperatures"
draw softmax.gp lessons/09-softmax-cross-entropy/figures/softmax_temperature.csv lessons/09-softmax-cross-entropy/figures/softmax_temperature.svg

step "11 the tape of one forward of a one-block model (glulab graph)"
dot -Tsvg lessons/11-transformer/figures/tape_block.dot -o lessons/11-transformer/figures/tape_block.svg
stamp lessons/11-transformer/figures/tape_block.svg lessons/11-transformer/figures/tape_block.dot

step "14 time per op, from the committed op_time.dat (one machine's glulab bench --profile)"
draw profile.gp lessons/14-making-it-fast/figures/op_time.dat lessons/14-making-it-fast/figures/op_time.svg

step "10, 12, 13: a short comparison of swiglu, geglu and reglu (300 steps each, seed 1337)"
rm -rf "$S/compare"
$B/glulab compare --ffn swiglu,geglu,reglu --seeds 1 --seed 1337 --steps 300 --warmup 30 \
    --layers 2 --d-model 64 --heads 4 --ctx 32 --batch 16 --eval-every 10 --eval-batches 4 \
    --out "$S/compare" > "$S/compare.log"
run=$S/compare/swiglu-s1337

step "10 attention probabilities of the trained swiglu model, per head"
mkdir -p lessons/10-embeddings-attention/figures
text="First Citizen:
Before we pro"
$B/figure_data attention "$run/model.safetensors" "$text" 0 > "$S/attention0.dat"
plot attention.gp lessons/10-embeddings-attention/figures/attention_layer0.svg -e "layer=0"
$B/figure_data attention "$run/model.safetensors" "$text" 1 > "$S/attention1.dat"
plot attention.gp lessons/10-embeddings-attention/figures/attention_layer1.svg -e "layer=1"

step "12 loss and learning rate of the swiglu run"
mkdir -p lessons/12-training/figures
plot loss.gp lessons/12-training/figures/loss.svg -e "metrics='$run/metrics.csv'"
plot lr.gp lessons/12-training/figures/lr_schedule.svg -e "metrics='$run/metrics.csv'"

step "13 gate histograms and closed gates (glulab plot)"
mkdir -p lessons/13-ffn-ablation/figures
$B/glulab plot "$S/compare" --out "$S/plots" > /dev/null
cp "$S/plots/gates_hist.svg" lessons/13-ffn-ablation/figures/gates_hist.svg
cp "$S/plots/gates.svg" lessons/13-ffn-ablation/figures/gates_closed.svg

echo "figures: done: $(ls lessons/*/figures/*.svg lessons/*/figures/*.png | wc -l) figures in lessons/*/figures/"
