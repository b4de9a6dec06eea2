#!/usr/bin/env python3
"""docs_check.py — keeps the lessons true to the code (`make docs-check`).

For every lessons/NN-topic/ it checks that:
  1. the lesson has all its parts: README.md, main.cpp, exercise.cpp, solution.cpp, test.cpp,
     and the README has the sections Goal, The idea, In the source, Run it, Exercises, Next;
  2. every pointer into the source resolves: `path → symbol` names a file that exists and
     contains the symbol as a word; a bare `src/...`, `include/...`, `tests/...`, `docs/...` or
     `lessons/...` path in backticks names a file that exists;
  3. the output the README shows under "Run it" (a ```console block that starts with
     `$ build/lessons/NN`) matches what the program printed into build/lessons/NN.out
     (`make lessons` writes it). In the README, a line `...` stands for any number of lines,
     `[...]` inside a line for any text (timings, speeds), and `[1.770 ±0.01]` for one number
     within 0.01 of 1.770: the numbers that depend on the OpenBLAS kernel or the thread count
     (a sum computed in another order rounds differently), so that the notes hold on any CPU;
  4. every image a README or doc shows (`![alt](path)`, a local path) names a file that exists
     (`make figures` draws the lessons' figures into lessons/NN-topic/figures/);
  5. every `// Lesson NN · Topic` tag in src/ and include/ names a lesson that exists, and every
     lesson from 02 on is tagged somewhere in the source;
  6. the figures stay true to the code. Every figure in lessons/NN-topic/figures/ has a recipe
     in docs/figures/make_figures.sh. A figure drawn from a deterministic source (a tape's DOT
     text, kernel outputs, lesson 07's table) has that source committed beside it; the check
     renders every source afresh (`make_figures.sh --sources build/figures/fresh`) and compares
     the two, text exactly and numbers within a tolerance (another OpenBLAS kernel may round a
     trained number differently), and the figure's SVG must carry the sha256 of the committed
     source it was drawn from (`<!-- drawn from NAME sha256 ... -->`, written by the script).
     A figure drawn from timings is drawn from a committed data file that a README's table
     quotes row for row (TIMINGS below), so picture and text cannot disagree;
  7. no lesson file carries development-log words (DEVLOG below: sessions, branches, "main's
     binary", ...): a lesson explains the code as it is, not the history of a change.
It prints one line per problem, then a summary of what it checked, and exits 1 if there is any
problem. `--self-test` checks the output matcher, the source comparison and the development-log
filter themselves (`make docs-check` runs it first).
"""
import hashlib
import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PARTS = ["README.md", "main.cpp", "exercise.cpp", "solution.cpp", "test.cpp"]
SECTIONS = ["Goal", "The idea", "In the source", "Run it", "Exercises", "Next"]
POINTER = re.compile(r"`((?:src|include|tests|docs|lessons)/[\w./-]+)(?:\s*→\s*([\w:~]+))?`")
TAG = re.compile(r"//\s*Lesson (\d\d) ·")
IMAGE = re.compile(r"!\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)")  # alt text may hold [a, b]


def lesson_dirs():
    return sorted(d for d in (ROOT / "lessons").iterdir() if d.is_dir() and re.match(r"\d\d-", d.name))


def check_parts(d, problems):
    for part in PARTS:
        if not (d / part).is_file():
            problems.append(f"{d.name}: missing {part}")
    readme = d / "README.md"
    if readme.is_file():
        headings = re.findall(r"^##\s+(.+?)\s*$", readme.read_text(encoding="utf-8"), re.M)
        for s in SECTIONS:
            if s not in headings:
                problems.append(f"{d.name}/README.md: missing section '## {s}'")


def check_pointers(path, problems):
    text = path.read_text(encoding="utf-8")
    for file, symbol in POINTER.findall(text):
        target = ROOT / file
        if not target.exists():
            problems.append(f"{path.relative_to(ROOT)}: points to {file}, which does not exist")
        elif symbol and target.is_file():
            name = symbol.split("::")[-1]
            if not re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", target.read_text(encoding="utf-8")):
                problems.append(f"{path.relative_to(ROOT)}: {file} has no symbol '{symbol}'")


def check_images(lessons, problems):
    pages = [d / "README.md" for d in lessons] + sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
    for path in [p for p in pages if p.is_file()]:
        for link in IMAGE.findall(path.read_text(encoding="utf-8")):
            if not re.match(r"[a-z]+:", link) and not (path.parent / link.split("#")[0]).is_file():
                problems.append(f"{path.relative_to(ROOT)}: shows the image {link}, which does not exist"
                                " (`make figures` draws the lessons' figures)")


NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
# `[...]` (any text) or `[value ±tolerance]` (a number at most `tolerance` away from `value`)
SLOT = re.compile(rf"\[(?:\.\.\.|({NUMBER}) ±({NUMBER}))\]")


def line_matches(expected, actual):
    pattern, tolerances, at = "", [], 0
    for m in SLOT.finditer(expected):
        pattern += re.escape(expected[at:m.start()])
        if m.group(1) is None:
            pattern += ".*"
        else:
            pattern += f"({NUMBER})"
            tolerances.append((float(m.group(1)), float(m.group(2))))
        at = m.end()
    pattern += re.escape(expected[at:])
    got = re.fullmatch(pattern, actual)
    if got is None:
        return False
    # a tiny slack so that a number printed at the edge of its tolerance still counts
    return all(abs(float(g) - value) <= tol * (1 + 1e-9) + 1e-12
               for g, (value, tol) in zip(got.groups(), tolerances))


def output_matches(expected, actual):
    """Match expected lines (with `...` wildcards) against actual lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(output_matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and line_matches(expected[0], actual[0]) and output_matches(expected[1:], actual[1:])


def first_difference(expected, actual):
    """Where the output first differs, counted up to the first `...` line ('' past it)."""
    for i, e in enumerate(expected):
        if e == "...":
            return ""
        if i >= len(actual) or not line_matches(e, actual[i]):
            got = actual[i] if i < len(actual) else "(end of output)"
            return f" (line {i + 1}: expected '{e}', got '{got}')"
    return ""


def check_output(d, problems):
    num = d.name[:2]
    readme = (d / "README.md").read_text(encoding="utf-8") if (d / "README.md").is_file() else ""
    blocks = re.findall(r"```console\n\$ build/lessons/(\d\d)[^\n]*\n(.*?)```", readme, re.S)
    blocks = [b for n, b in blocks if n == num]
    if not blocks:
        problems.append(f"{d.name}/README.md: no ```console block starting with '$ build/lessons/{num}'")
        return
    out = ROOT / "build" / "lessons" / f"{num}.out"
    if not out.is_file():
        problems.append(f"{d.name}: no {out.relative_to(ROOT)} (run `make lessons` first)")
        return
    expected = blocks[0].rstrip("\n").split("\n")
    actual = out.read_text(encoding="utf-8").rstrip("\n").split("\n")
    if not output_matches(expected, actual):
        problems.append(f"{d.name}: the program's output no longer matches README.md 'Run it'"
                        + first_difference(expected, actual) + ":\n"
                        + "  expected:\n    " + "\n    ".join(expected)
                        + "\n  got:\n    " + "\n    ".join(actual))


def check_tags(lessons, problems):
    nums = {d.name[:2] for d in lessons}
    tagged = set()
    for path in list((ROOT / "src").rglob("*.[ch]pp")) + list((ROOT / "include").rglob("*.hpp")):
        for n in TAG.findall(path.read_text(encoding="utf-8")):
            tagged.add(n)
            if n not in nums:
                problems.append(f"{path.relative_to(ROOT)}: tagged Lesson {n}, which does not exist")
    for n in sorted(nums - tagged - {"01"}):
        problems.append(f"lesson {n}: no source file carries its tag '// Lesson {n} ·'")


# Figures
# -------
FIGURE_EXTS = {".svg", ".png"}
SOURCE_EXTS = {".dot", ".csv", ".dat"}
STAMP = re.compile(r"<!-- drawn from (\S+) sha256 ([0-9a-f]{64}) -->")
# Numbers in a fresh source may differ from the committed ones by (relative, absolute): the
# kernels' outputs are deterministic, printed to 6 digits; lesson 07's losses come from 1500
# AdamW steps over matrix products, whose last digits move with the OpenBLAS kernel (below
# 1e-4 they are all "zero" for the figure).
SOURCE_TOLERANCE = {"gating.dat": (0.5, 1e-4)}
DEFAULT_TOLERANCE = (1e-4, 1e-6)
# Data drawn from one machine's timings, and the README block that quotes it:
# data file -> (README, the first line of its ```console block).
TIMINGS = {"lessons/14-making-it-fast/figures/op_time.dat":
           ("lessons/14-making-it-fast/README.md", "$ build/glulab bench --profile --threads 1")}


def source_difference(committed, fresh, tolerance):
    """'' if two sources agree (text exactly, numbers within tolerance), else where they differ."""
    a, b = committed.rstrip("\n").split("\n"), fresh.rstrip("\n").split("\n")
    if len(a) != len(b):
        return f"{len(a)} lines committed, {len(b)} fresh"
    rel, abs_ = tolerance
    for i, (x, y) in enumerate(zip(a, b)):
        px, py = re.split(f"({NUMBER})", x), re.split(f"({NUMBER})", y)
        same = len(px) == len(py) and all(
            u == v if k % 2 == 0 else abs(float(u) - float(v)) <= rel * abs(float(v)) + abs_
            for k, (u, v) in enumerate(zip(px, py)))
        if not same:
            return f"line {i + 1}: committed '{x.strip()}', fresh '{y.strip()}'"
    return ""


def timing_rows(text):
    """(op, calls, fwd, bwd) of every op row of a `glulab bench --profile` table or data file."""
    rows = []
    for line in text.split("\n"):
        f = line.split()
        if len(f) < 4 or not re.fullmatch(r"[a-z_]+", f[0]) or not f[1].isdigit():
            continue
        rows.append(tuple(f[:4]))
    return rows


def check_figures(lessons, problems, counts):
    script = (ROOT / "docs" / "figures" / "make_figures.sh").read_text(encoding="utf-8")
    fresh = ROOT / "build" / "figures" / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    run = subprocess.run(["sh", "docs/figures/make_figures.sh", "--sources", str(fresh)], cwd=ROOT,
                         capture_output=True, text=True)
    if run.returncode != 0:
        problems.append("make_figures.sh --sources failed (build/glulab, build/figure_data and the"
                        f" lesson programs must be built):\n{run.stderr.strip()}")
    stamps = {}  # source path -> the hashes the SVGs drawn from it carry
    sources = []
    for d in lessons:
        for f in sorted((d / "figures").glob("*")) if (d / "figures").is_dir() else []:
            rel = f.relative_to(ROOT).as_posix()
            if f.suffix in FIGURE_EXTS:
                counts["figures"] += 1
                if rel not in script:
                    problems.append(f"{rel}: no recipe in docs/figures/make_figures.sh")
                if f.suffix == ".svg":
                    for name, digest in STAMP.findall(f.read_text(encoding="utf-8")):
                        stamps.setdefault((d / "figures" / name).relative_to(ROOT).as_posix(), []).append((rel, digest))
            elif f.suffix in SOURCE_EXTS:
                sources.append(f)
    for f in sources:
        rel = f.relative_to(ROOT).as_posix()
        text = f.read_text(encoding="utf-8")
        digest = hashlib.sha256(f.read_bytes()).hexdigest()
        drawn = stamps.pop(rel, [])
        if not drawn:
            problems.append(f"{rel}: no figure beside it was drawn from it (`make figures` draws and stamps them)")
        for svg, d in drawn:
            if d != digest:
                problems.append(f"{svg}: drawn from another {f.name} than the committed one (`make figures`)")
        if rel in TIMINGS:
            readme, command = TIMINGS[rel]
            block = re.search(rf"```console\n{re.escape(command)}\n(.*?)```",
                              (ROOT / readme).read_text(encoding="utf-8"), re.S)
            quoted = timing_rows(block.group(1)) if block else []
            counts["timings"] += 1
            if timing_rows(text) != quoted:
                problems.append(f"{rel}: its rows are not the table '{command}' of {readme}"
                                f" (data {timing_rows(text)}, README {quoted})")
            continue
        new = fresh / rel
        if not new.is_file():
            problems.append(f"{rel}: make_figures.sh --sources does not render it, and no README quotes it (TIMINGS)")
            continue
        counts["sources"] += 1
        diff = source_difference(text, new.read_text(encoding="utf-8"),
                                 SOURCE_TOLERANCE.get(f.name, DEFAULT_TOLERANCE))
        if diff:
            problems.append(f"{rel}: differs from a fresh rendering of its source ({diff});"
                            " `make figures` draws it and its figure again")
    for src, drawn in stamps.items():
        for svg, _ in drawn:
            problems.append(f"{svg}: stamped as drawn from {src}, which is not committed")


# Development-log words
# ---------------------
DEVLOG = re.compile(r"\b(?:sessions?|main's|(?:this|that|the new|our|my|a feature) branch(?:es)?|"
                    r"s\d{1,2}-[a-z]+|issue \d+|worktree|pull request|merged? (?:into|from))\b", re.I)


def check_devlog(lessons, problems, counts):
    for d in lessons:
        for f in sorted(d.iterdir()):
            if f.suffix not in (".md", ".cpp", ".hpp"):
                continue
            counts["files"] += 1
            for n, line in enumerate(f.read_text(encoding="utf-8").split("\n"), 1):
                for m in DEVLOG.finditer(line):
                    problems.append(f"{f.relative_to(ROOT)}:{n}: development-log words '{m.group(0)}'"
                                    " (a lesson explains the code as it is, not its history)")


def self_test():
    """The matcher accepts what it should and rejects a number out of its tolerance."""
    cases = [
        ("loss [1.770 ±0.01] end", "loss 1.768 end", True),
        ("loss [1.770 ±0.01] end", "loss 1.780 end", True),
        ("loss [1.770 ±0.01] end", "loss 1.781 end", False),
        ("loss [1.770 ±0.01] end", "loss 1.75 end", False),
        ("seed 1337: [-0.128 ±0.005]", "seed 1337: -0.127", True),
        ("seed 1337: [-0.128 ±0.005]", "seed 1337: +0.128", False),
        ("err [7.0e-04 ±2e-03]", "err 5.3e-04", True),
        ("err [7.0e-04 ±2e-03]", "err 2.6e-03", True),
        ("err [7.0e-04 ±2e-03]", "err 2.8e-03", False),
        ("err [7.0e-04 ±2e-03]", "err 7.0e-02", False),
        ("err [7.0e-04 ±2e-03]", "err nan", False),
        ("a [1.0 ±0.1] b [...] c", "a 1.05 b 12 ms c", True),
        ("a [1.0 ±0.1] b [...] c", "a 1.05 x 12 ms c", False),
        ("  [-0.4, -0.2)  0.101", "  [-0.4, -0.2)  0.101", True),
        ("  [-0.4, -0.2)  0.101", "  [-0.4, -0.2)  0.102", False),
        ("ratio [...]x", "ratio 25x", True),
    ]
    failures = [(e, a, want) for e, a, want in cases if line_matches(e, a) != want]
    if not output_matches(["x [2.0 ±1]", "...", "end"], ["x 2.5", "a", "b", "end"]):
        failures.append(("x [2.0 ±1] / ... / end", "x 2.5 / a / b / end", True))
    # (committed, fresh, tolerance, should they agree)
    sources = [
        ('n9 [label="matmul\\n(2, 8, 96)"];', 'n9 [label="matmul\\n(2, 8, 96)"];', DEFAULT_TOLERANCE, True),
        ('n9 [label="matmul\\n(2, 8, 48)"];', 'n9 [label="matmul\\n(2, 8, 96)"];', DEFAULT_TOLERANCE, False),
        ('n4 [label="glu\\n(2, 8, 48)"];', 'n4 [label="mul\\n(2, 8, 48)"];', DEFAULT_TOLERANCE, False),
        ("0.5,0.841345", "0.5,0.841347", DEFAULT_TOLERANCE, True),
        ("0.5,0.841345", "0.5,0.851345", DEFAULT_TOLERANCE, False),
        ("a\nb", "a", DEFAULT_TOLERANCE, False),
        ("  4   4.1e-03   2.2e-09", "  4   4.9e-03   7.6e-10", (0.5, 1e-4), True),
        ("  4   4.1e-03   2.2e-09", "  4   9.1e-03   7.6e-10", (0.5, 1e-4), False),
    ]
    for c, f, tol, want in sources:
        if (source_difference(c, f, tol) == "") != want:
            failures.append((c, f, want))
    # (line, is it development-log text)
    devlog = [("Until session 17 the tape gave every op", True),
              ("Main's binary and the new one taking turns", True),
              ("measured on this branch against the old one", True),
              ("merged from s17-ops", True),
              ("`src/ops/act_scalar.hpp → sigmoid_value` is the stable two-branch form.", False),
              ("The backward has three branches so that the usual case", False),
              ("main.cpp's section 4 prints", False)]
    for line, want in devlog:
        if bool(DEVLOG.search(line)) != want:
            failures.append((line, "the development-log filter", want))
    for e, a, want in failures:
        print(f"docs-check self-test: {e!r} against {a!r} should {'match' if want else 'not match'}")
    total = len(cases) + 1 + len(sources) + len(devlog)
    print(f"docs-check self-test: {total} cases (output lines, figure sources, development-log words),"
          f" {len(failures)} failed")
    return 1 if failures else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    problems = []
    counts = {"figures": 0, "sources": 0, "timings": 0, "files": 0}
    lessons = lesson_dirs()
    for d in lessons:
        check_parts(d, problems)
        check_output(d, problems)
        for md in d.glob("*.md"):
            check_pointers(md, problems)
    for md in (ROOT / "docs").glob("*.md"):
        check_pointers(md, problems)
    if (ROOT / "README.md").is_file():
        check_pointers(ROOT / "README.md", problems)
    check_images(lessons, problems)
    check_tags(lessons, problems)
    check_figures(lessons, problems, counts)
    check_devlog(lessons, problems, counts)
    for p in problems:
        print("docs-check:", p)
    print(f"docs-check: {len(lessons)} lessons (parts, pointers, outputs, images, tags);"
          f" {counts['figures']} figures checked for a recipe, {counts['sources']} figure sources against"
          f" a fresh rendering, {counts['timings']} timing data file against its README table;"
          f" {counts['files']} lesson files scanned for development-log words: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
