#!/bin/sh
# run_crosscheck.sh — glulab against PyTorch for every FFN kind: logits, loss, every gradient
# and five AdamW steps.
#
#     make crosscheck            (or: sh tests/torch/run_crosscheck.sh, after `make`)
#
# For each kind K:
#     build/glulab reference --ffn K --out build/crosscheck/K      glulab's numbers
#     /usr/bin/python3 tests/torch/crosscheck.py build/crosscheck/K PyTorch's, compared
# and one summary line (the full reports stay in build/crosscheck/K/*.txt). Then the same for
# relu, gelu and swiglu with LayerNorm (--norm layernorm, in build/crosscheck/layernorm-K).
#
# Then, once, it shows that the check can fail. On the swiglu reference:
#     --perturb grad.blocks.1.ffn.gate.weight   one gradient element off by 1%
#     --optim weight_decay=0                    PyTorch replays AdamW without weight decay,
#                                               as a glulab with that bug would have run it
#     --perturb quant.per_row                   one value of the simulated int8 off by 1%
# must each be reported NOT OK.
#
# Exit status 0 only if all eight kinds and the three layernorm ones pass and all three broken
# references are caught.
# GLULAB and PYTHON override the two programs.
set -u
cd "$(dirname "$0")/../.." || exit 2

GLULAB=${GLULAB:-build/glulab}
PYTHON=${PYTHON:-/usr/bin/python3}
OUT=build/crosscheck
KINDS="relu gelu swish glu bilinear reglu geglu swiglu"
LAYERNORM_KINDS="relu gelu swiglu"

[ -x "$GLULAB" ] || { echo "run_crosscheck: $GLULAB not found; run make first" >&2; exit 2; }
"$PYTHON" -c "import torch, numpy" 2>/dev/null ||
    { echo "run_crosscheck: $PYTHON cannot import torch and numpy; run make deps-torch" >&2; exit 2; }

echo "== glulab against PyTorch ($OUT/<kind>/crosscheck.txt has each full report)"
failed=""
# check LABEL DIR ARGS...: glulab reference ARGS into DIR, then crosscheck.py on it.
check() {
    label=$1
    dir=$2
    shift 2
    mkdir -p "$dir"
    if ! "$GLULAB" reference "$@" --out "$dir" >"$dir/reference.txt" 2>&1; then
        printf '%-16s NOT OK: glulab reference failed (%s)\n' "$label" "$dir/reference.txt"
        failed="$failed $label"
        return
    fi
    "$PYTHON" tests/torch/crosscheck.py "$dir" >"$dir/crosscheck.txt" 2>&1
    rc=$?
    printf '%-16s %s\n' "$label" "$(tail -n 1 "$dir/crosscheck.txt")"
    [ $rc -eq 0 ] || failed="$failed $label"
}
for kind in $KINDS; do
    check "$kind" "$OUT/$kind" --ffn "$kind"
done
echo
echo "== with LayerNorm (--norm layernorm; $OUT/layernorm-<kind>/crosscheck.txt)"
for kind in $LAYERNORM_KINDS; do
    check "layernorm-$kind" "$OUT/layernorm-$kind" --ffn "$kind" --norm layernorm
done

# expect_not_ok LABEL ARGS...: crosscheck.py on the swiglu reference with ARGS must exit 1
# (its answer "NOT OK"; a crash exits otherwise and does not count as catching anything).
missed=""
expect_not_ok() {
    label=$1
    shift
    "$PYTHON" tests/torch/crosscheck.py "$OUT/swiglu" "$@" >"$OUT/broken.txt" 2>&1
    rc=$?
    if [ $rc -eq 1 ]; then
        echo "caught:  $label"
        grep '^NOT OK ' "$OUT/broken.txt" | sed 's/^/           /'
    else
        echo "MISSED:  $label (crosscheck.py exit status $rc, expected 1; see $OUT/broken.txt)"
        missed="$missed '$label'"
    fi
}

echo
echo "== Can the check fail? Three broken references, each must be NOT OK"
if [ -f "$OUT/swiglu/reference.safetensors" ]; then
    expect_not_ok "one gradient element off by 1%" --perturb grad.blocks.1.ffn.gate.weight
    expect_not_ok "AdamW replayed with weight_decay=0" --optim weight_decay=0
    expect_not_ok "one int8 value off by 1%" --perturb quant.per_row
else
    missed="(no swiglu reference to break)"
    echo "MISSED:  no swiglu reference to break"
fi

echo
if [ -n "$failed" ]; then
    echo "crosscheck: NOT OK for:$failed"
    exit 1
fi
if [ -n "$missed" ]; then
    echo "crosscheck: all kinds OK, but the check did not catch:$missed"
    exit 1
fi
echo "crosscheck: all 8 FFN kinds and 3 with layernorm OK (with int8 against fake_quantize); all three broken references caught"
