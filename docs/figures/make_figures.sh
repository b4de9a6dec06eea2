#!/bin/sh
# make_figures.sh — draws every lesson figure again (`make figures` runs it from the top folder).
#
# The numbers come from glulab: the lesson programs, the glulab CLI (graph, compare, plot,
# bench --profile) and build/figure_data (docs/figures/figure_data.cpp, glulab's kernels).
# gnuplot (docs/figures/*.gp) and Graphviz's dot draw them into lessons/NN-*/figures/ (SVG; the heat maps of lesson 07 as PNG).
# Scratch files go to build/figures/. Fixed seeds: the same machine draws the same pictures;
# the training curves and attention maps can move in the last digits with another BLAS kernel,
# and the op times (lesson 14) are one machine's measurement.
set -eu
B=build
S=$B/figures
G=docs/figures
mkdir -p "$S"
step() { echo "figures: $*"; }
plot() {  # plot SCRIPT OUTPUT [gnuplot -e assignments]
    script=$1 out=$2; shift 2
    gnuplot -e "out='$out'; data='$S'" "$@" "$G/$script"
}

step "03 the tape of lesson 03's y = sum((a b + a) s)"
mkdir -p lessons/03-the-tape/figures
$B/lessons/03 | sed -n '/^digraph/,/^}/p' > "$S/tape03.dot"
dot -Tsvg "$S/tape03.dot" -o lessons/03-the-tape/figures/tape.svg

step "06 activations and their derivatives"
mkdir -p lessons/06-activations/figures
$B/figure_data act > "$S/act.csv"
plot activations.gp lessons/06-activations/figures/activations.svg -e "col=0"
plot activations.gp lessons/06-activations/figures/derivatives.svg -e "col=1"

step "07 act(g) * u for each GLU variant"
mkdir -p lessons/07-glu-family/figures
for k in glu bilinear reglu geglu swiglu; do $B/figure_data glu $k > "$S/glu_$k.dat"; done
plot glu.gp lessons/07-glu-family/figures/glu_variants.png

step "08 RMSNorm on 2-D vectors"
mkdir -p lessons/08-rmsnorm/figures
$B/figure_data rmsnorm > "$S/rmsnorm.csv"
plot rmsnorm.gp lessons/08-rmsnorm/figures/rmsnorm_vectors.svg

step "09 softmax at four temperatures"
mkdir -p lessons/09-softmax-cross-entropy/figures
$B/figure_data softmax > "$S/softmax.csv"
plot softmax.gp lessons/09-softmax-cross-entropy/figures/softmax_temperature.svg

step "11 the tape of one forward of a one-block model (glulab graph)"
mkdir -p lessons/11-transformer/figures
$B/glulab graph --ffn swiglu --layers 1 --d-model 16 --heads 2 --ctx 8 --dot "$S/tape11.dot" > /dev/null
dot -Tsvg "$S/tape11.dot" -o lessons/11-transformer/figures/tape_block.svg

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
for layer in 0 1; do
    $B/figure_data attention "$run/model.safetensors" "$text" $layer > "$S/attention$layer.dat"
    plot attention.gp lessons/10-embeddings-attention/figures/attention_layer$layer.svg -e "layer=$layer"
done

step "12 loss and learning rate of the swiglu run"
mkdir -p lessons/12-training/figures
plot loss.gp lessons/12-training/figures/loss.svg -e "metrics='$run/metrics.csv'"
plot lr.gp lessons/12-training/figures/lr_schedule.svg -e "metrics='$run/metrics.csv'"

step "13 gate histograms and closed gates (glulab plot)"
mkdir -p lessons/13-ffn-ablation/figures
$B/glulab plot "$S/compare" --out "$S/plots" > /dev/null
cp "$S/plots/gates_hist.svg" lessons/13-ffn-ablation/figures/gates_hist.svg
cp "$S/plots/gates.svg" lessons/13-ffn-ablation/figures/gates_closed.svg

step "14 time per op (glulab bench --profile, this machine)"
mkdir -p lessons/14-making-it-fast/figures
$B/glulab bench --steps 10 --warmup 3 --profile > "$S/profile.txt"
awk '$1 ~ /^[a-z_]+$/ && $1 != "op" && $1 != "total" && NF == 5 { print $1, $3, $4 }' "$S/profile.txt" > "$S/profile.dat"
plot profile.gp lessons/14-making-it-fast/figures/op_time.svg
echo "figures: done: $(ls lessons/*/figures/*.svg lessons/*/figures/*.png | wc -l) figures in lessons/*/figures/"
