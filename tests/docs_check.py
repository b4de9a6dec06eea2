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
     (`make lessons` writes it). In the README, a line `...` stands for any number of lines
     and `[...]` inside a line for any text (timings, speeds);
  4. every image a README or doc shows (`![alt](path)`, a local path) names a file that exists
     (`make figures` draws the lessons' figures into lessons/NN-topic/figures/);
  5. every `// Lesson NN · Topic` tag in src/ and include/ names a lesson that exists, and every
     lesson from 02 on is tagged somewhere in the source.
It prints one line per problem and exits 1 if there is any.
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


def line_matches(expected, actual):
    parts = [re.escape(p) for p in expected.split("[...]")]
    return re.fullmatch(".*".join(parts), actual) is not None


def output_matches(expected, actual):
    """Match expected lines (with `...` wildcards) against actual lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(output_matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and line_matches(expected[0], actual[0]) and output_matches(expected[1:], actual[1:])


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
        problems.append(f"{d.name}: the program's output no longer matches README.md 'Run it':\n"
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


def main():
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
