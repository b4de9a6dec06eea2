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
     lesson from 02 on is tagged somewhere in the source.
It prints one line per problem and exits 1 if there is any. `--self-test` checks the output
matcher itself (`make docs-check` runs it first).
"""
import pathlib
import re
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
    for e, a, want in failures:
        print(f"docs-check self-test: {e!r} against {a!r} should {'match' if want else 'not match'}")
    print(f"docs-check self-test: {len(cases) + 1} cases, {len(failures)} failed")
    return 1 if failures else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    problems = []
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
    for p in problems:
        print("docs-check:", p)
    print(f"docs-check: {len(lessons)} lessons, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
