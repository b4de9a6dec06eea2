#!/bin/sh
# get_data.sh MIRROR_DIR OUT — provide tiny-shakespeare at OUT, checked by sha256.
# Copies MIRROR_DIR/tinyshakespeare.txt when present, otherwise downloads it.
set -eu
mirror=$1; out=$2
sha=86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed
url=https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt
tmp="$out.part"
mkdir -p "$(dirname "$out")"
if [ -f "$mirror/tinyshakespeare.txt" ]; then
    echo "glulab: copying tiny-shakespeare from $mirror"
    cp "$mirror/tinyshakespeare.txt" "$tmp"
else
    echo "glulab: no mirror at $mirror; downloading $url"
    if command -v curl >/dev/null; then curl -fsSL "$url" -o "$tmp"
    elif command -v wget >/dev/null; then wget -q "$url" -O "$tmp"
    else echo "glulab: need curl or wget to download (or set DATA_MIRROR)" >&2; exit 1; fi
fi
got=$(sha256sum "$tmp" | cut -d' ' -f1)
if [ "$got" != "$sha" ]; then
    rm -f "$tmp"
    echo "glulab: checksum mismatch for tiny-shakespeare: got $got, expected $sha" >&2
    exit 1
fi
mv "$tmp" "$out"
echo "glulab: data ready: $out ($(wc -c < "$out") bytes, sha256 ok)"
