#!/usr/bin/env python3
"""build_site.py — the lessons, the docs and the annotated source as one static site.

`make site` runs it; the result is build/site/ (open build/site/index.html). It makes:
  index.html              from README.md, with the list of lessons (title, first line of the Goal)
  lessons/NN-topic.html   from lessons/NN-topic/README.md (pandoc, math as MathML: no script,
                          made to render as the TeX reads by docs/site/mathml.py)
  docs/NAME.html          from docs/NAME.md
  the pictures they show  at the same path as in the tree (lessons/NN-topic/figures/*.svg)
  src/PATH.html           one annotated page per source file (src/, include/, tests/,
                          lessons/*.cpp|hpp):
                          the `//` comment blocks as prose beside the code they precede, a title
                          line with a dashed underline as a section heading with an anchor, and
                          an anchor `sym-NAME` on the section where each symbol that a lesson or
                          doc points at (`path → symbol`) is defined. Comment lines that are
                          indented or aligned in columns (formulas, tables) keep their layout,
                          `backticks` become code, the code is highlighted (pandoc), and a
                          lesson's solution.cpp is shown collapsed behind a warning.
Links go both ways: a lesson's pointer opens the symbol's section; a source page links back to
the lesson its `// Lesson NN ·` tag names, and each pointed-at section to the lessons that
point at it.
"""
import concurrent.futures
import html
import os
import pathlib
import re
import shutil
import subprocess
import sys

from mathml import fix_mathml

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "site"
POINTER = re.compile(r"`((?:src|include|tests|docs|lessons)/[\w./-]+?)(?:\s*→\s*([\w:~]+))?`")
TAG = re.compile(r"//\s*Lesson (\d\d) · (.+)")
TITLE_UNDERLINE = re.compile(r"^-{3,}$")
CSS = "style.css"


def rel(from_page, to_page):
    """Relative URL from one output page to another (both relative to OUT)."""
    return os.path.relpath(to_page, start=str(pathlib.PurePosixPath(from_page).parent)).replace("\\", "/")


def lesson_dirs():
    return sorted(d for d in (ROOT / "lessons").iterdir() if d.is_dir() and re.match(r"\d\d-", d.name))


def source_files():
    files = sorted(ROOT.glob("src/**/*.[ch]pp")) + sorted(ROOT.glob("include/**/*.hpp"))
    files += sorted(ROOT.glob("tests/**/*.[ch]pp"))
    for d in lesson_dirs():
        files += sorted(d.glob("*.[ch]pp"))
    return files


def source_page(path):
    return f"src/{path}.html"


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# Markdown pages
# --------------

def collect_pointers():
    """(page, file, symbol) for every pointer in the lessons and docs."""
    found = []
    pages = [(d / "README.md", f"lessons/{d.name}.html") for d in lesson_dirs()]
    pages += [(p, f"docs/{p.stem}.html") for p in sorted((ROOT / "docs").glob("*.md"))]
    pages += [(ROOT / "README.md", "index.html")]
    for md, page in pages:
        if md.is_file():
            for file, symbol in POINTER.findall(md.read_text(encoding="utf-8")):
                found.append((page, file, symbol))
    return pages, found


def rewrite_markdown(text, page, md_path):
    """Turn pointers into links and .md links into .html links, relative to `page`."""
    def pointer(m):
        file, symbol = m.group(1), m.group(2)
        target = ROOT / file
        if target.suffix in (".cpp", ".hpp") and target.is_file():
            url = rel(page, source_page(file)) + (f"#sym-{symbol.split('::')[-1]}" if symbol else "")
        elif target.suffix == ".md" and target.is_file():
            url = rel(page, md_output(file))
        else:
            return m.group(0)
        return f"[{m.group(0)}]({url})"

    def md_link(m):
        label, href = m.group(1), m.group(2)
        if re.match(r"[a-z]+:", href) or not href.split("#")[0].endswith(".md"):
            return m.group(0)
        path, _, anchor = href.partition("#")
        target = (md_path.parent / path).resolve()
        try:
            target_rel = target.relative_to(ROOT).as_posix()
        except ValueError:
            return m.group(0)
        return f"[{label}]({rel(page, md_output(target_rel))}{'#' + anchor if anchor else ''})"

    text = re.sub(r"!\[((?:[^\[\]]|\[[^\]]*\])*)\]\(([^)\s]+)\)", lambda m: picture(m, page, md_path), text)
    text = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", md_link, text)
    return POINTER.sub(pointer, text)


def picture(m, page, md_path):
    """A picture the notes show (a lesson's figures/*.svg): copied to the same path under OUT,
    the link made relative to `page`."""
    label, href = m.group(1), m.group(2)
    source = (md_path.parent / href).resolve()
    if re.match(r"[a-z]+:", href) or not source.is_file():
        return m.group(0)
    target = source.relative_to(ROOT).as_posix()
    (OUT / target).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, OUT / target)
    return f"![{label}]({rel(page, target)})"


def md_output(path):
    path = pathlib.PurePosixPath(path)
    if path.name == "README.md" and path.parent.name and path.parts[0] == "lessons":
        return f"lessons/{path.parent.name}.html"
    if path.as_posix() == "README.md":
        return "index.html"
    if path.parts[0] == "docs":
        return f"docs/{path.stem}.html"
    return path.with_suffix(".html").as_posix()


def nav(page):
    links = [("glulab", "index.html")] + [(d.name[:2], f"lessons/{d.name}.html") for d in lesson_dirs()]
    links += [(name, f"docs/{name}.html") for name in ("architecture", "results")
              if (ROOT / "docs" / f"{name}.md").is_file()]
    links += [("source", "source.html")]
    items = " · ".join(f'<a href="{rel(page, p)}">{html.escape(t)}</a>' for t, p in links)
    return f'<nav class="top">{items}</nav>'


def lesson_list():
    """Markdown list of the lessons: each one's title and the first sentence of its Goal."""
    items = []
    for d in lesson_dirs():
        readme = (d / "README.md").read_text(encoding="utf-8")
        title = re.search(r"^#\s+(.+)$", readme, re.M)
        goal = readme.partition("\n## Goal\n")[2].strip().split("\n\n")[0]
        paragraph = " ".join(goal.split())
        # the first sentence, or the first two when the first is short ("Train the model of lesson 11.")
        sentences = re.findall(r".+?[.!?](?=\s+[A-Z*_`]|$)", paragraph) or [paragraph]
        sentence = sentences[0].strip()
        if len(sentence) < 60 and len(sentences) > 1:
            sentence += " " + sentences[1].strip()
        name = title.group(1) if title else d.name
        items.append(f"{len(items) + 1}. [{name}](lessons/{d.name}/README.md): {sentence}")
    return "\n\n## The lessons\n\n" + "\n".join(items) + "\n\n"


def render_markdown(md_path, page):
    source = md_path.read_text(encoding="utf-8")
    if page == "index.html":  # the lessons, right after the introduction
        intro, heading, rest = source.partition("\n## ")
        source = intro + lesson_list() + heading + rest
    text = rewrite_markdown(source, page, md_path)
    body = subprocess.run(["pandoc", "--from=gfm+tex_math_dollars", "--to=html5", "--mathml"],
                          input=text, capture_output=True, text=True, check=True).stdout
    body = fix_mathml(body)
    title = re.search(r"^#\s+(.+)$", md_path.read_text(encoding="utf-8"), re.M)
    write_page(page, title.group(1) if title else md_path.stem, nav(page) + f'<main class="prose">{body}</main>')


def write_page(page, title, body):
    out = OUT / page
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} · glulab</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{rel(page, CSS)}"></head>
<body>
{body}
</body></html>
""", encoding="utf-8")


# Annotated source
# ----------------

def split_sections(lines):
    """Group a file into (comment lines, code lines) sections, in order."""
    sections, comment, code = [], [], []
    for line in lines:
        stripped = line.strip()
        is_comment = stripped.startswith("//") and not stripped.startswith("///")
        if is_comment and code:
            sections.append((comment, code))
            comment, code = [], []
        if is_comment:
            comment.append(re.sub(r"^\s*// ?", "", line))
        else:
            code.append(line)
    sections.append((comment, code))
    return sections


VERBATIM = re.compile(r"^\s|\S {3,}\S|^\|")  # indented, aligned in columns, or a table row
CODE_MARK = "\x00code {}\x00"


def inline_code(text):
    """Escaped prose with `backticks` as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def comment_html(lines):
    """A comment block as HTML: prose lines flow into paragraphs; indented lines, lines aligned in
    columns (formulas, tables) and table rows keep their layout in a <pre>."""
    out, prose, verbatim = [], [], []

    def flush():
        if prose:
            out.append(f"<p>{inline_code(' '.join(prose))}</p>")
            prose.clear()
        if verbatim:
            out.append(f'<pre class="comment">{html.escape(chr(10).join(verbatim))}</pre>')
            verbatim.clear()
    for line in lines:
        if not line.strip():
            flush()
        elif VERBATIM.search(line):
            if prose:
                flush()
            verbatim.append(line)
        else:
            if verbatim:
                flush()
            prose.append(line.strip())
    flush()
    return "".join(out)


def highlight_cpp(blocks):
    """The C++ blocks as highlighted HTML (pandoc's highlighter; classes styled in style.css),
    in one pandoc run for all of them."""
    fence = "`" * 8
    marker = '<hr class="split">'

    def run(chunk):
        text = "\n\n".join(f"{fence}cpp\n{b}\n{fence}\n\n{marker}" for b in chunk)
        out = subprocess.run(["pandoc", "--from=gfm", "--to=html5"], input=text, capture_output=True,
                             text=True, check=True).stdout
        return out.split(marker)[:len(chunk)]
    # highlighting is most of the site's build time: one pandoc per core, each on a share
    n = max(1, os.cpu_count() or 1)
    chunks = [blocks[i::n] for i in range(n)]
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        done = list(pool.map(run, chunks))
    parts = [None] * len(blocks)
    for i, chunk_parts in enumerate(done):
        parts[i::n] = chunk_parts
    # drop pandoc's per-line anchors: the pages have anchors of their own
    parts = [re.sub(r'<a href="#cb\d+-\d+" aria-hidden="true" tabindex="-1"></a>', "", p) for p in parts]
    parts = [re.sub(r'<span id="cb\d+-\d+">', "<span>", p) for p in parts]
    parts = [re.sub(r'<div class="sourceCode" id="cb\d+">', '<div class="sourceCode">', p) for p in parts]
    return [p.strip() for p in parts]


def render_source(path, symbols_wanted, backlinks):
    """Annotated page of one source file. symbols_wanted: symbols pointed at in this file.
    Returns (page, title, body, code blocks): the body holds CODE_MARK where each block goes."""
    name = path.relative_to(ROOT).as_posix()
    page = source_page(name)
    lines = path.read_text(encoding="utf-8").splitlines()
    tags = TAG.findall("\n".join(lines))
    placed = set()
    rows, codes = [], []
    for comment, code in split_sections(lines):
        anchors, prose, text = [], [], []
        i = 0
        while i < len(comment):
            if i + 1 < len(comment) and TITLE_UNDERLINE.match(comment[i + 1].strip()) and comment[i].strip():
                title = comment[i].strip()
                anchors.append(f"sec-{slug(title)}")
                prose.append(comment_html(text))
                text = []
                prose.append(f"<h3>{html.escape(title)}</h3>")
                i += 2
                continue
            text.append(comment[i])
            i += 1
        prose.append(comment_html(text))
        code_text = "\n".join(code)
        comment_text = "\n".join(comment)
        for sym in sorted(symbols_wanted - placed):
            # The section that defines or declares the symbol: its name followed by "(", "{",
            # " =" or ";" in the code, or in a section title.
            if re.search(rf"(?<![\w.>]){re.escape(sym)}\s*(\(|\{{|=|;|:)", code_text) or \
               re.search(rf"^{re.escape(sym)}\b", comment_text, re.M):
                anchors.append(f"sym-{sym}")
                placed.add(sym)
        back = ""
        for sym in [a[4:] for a in anchors if a.startswith("sym-")]:
            links = sorted(set(backlinks.get((name, sym), [])))
            if links:
                back += f'<p class="back"><code>{html.escape(sym)}</code> is explained in ' + ", ".join(
                    f'<a href="{rel(page, p)}">{html.escape(t)}</a>' for p, t in links) + "</p>"
        ids = "".join(f'<span id="{a}"></span>' for a in anchors)
        rows.append(f'<tr><td class="doc">{ids}{"".join(prose)}{back}</td>'
                    f'<td class="code">{CODE_MARK.format(len(codes))}</td></tr>')
        codes.append(code_text)
    # Symbols never matched (e.g. only mentioned) get an anchor at the top so links still land.
    top_ids = "".join(f'<span id="sym-{s}"></span>' for s in sorted(symbols_wanted - placed))
    lesson_links = " ".join(
        f'<a href="{rel(page, lesson_page(n))}">Lesson {n} · {html.escape(t.strip())}</a>'
        for n, t in dict(tags).items() if lesson_page(n))
    header = f'<header>{top_ids}<h1>{html.escape(name)}</h1><p class="back">{lesson_links}</p></header>'
    table = f'<table class="annotated">{"".join(rows)}</table>'
    if path.name == "solution.cpp":
        # An exercise's answer: shown only on request, so that it is not one click from the notes
        lesson = path.parent.name[:2]
        table = (f'<details class="solution"><summary>This is the reference solution of lesson '
                 f'{lesson}\'s exercise. Try the exercise first (<code>make exercise LESSON={lesson}</code>); '
                 f'open this only to compare once your tests pass, or when you are stuck.</summary>'
                 f'{table}</details>')
    return page, name, nav(page) + header + table, codes


def page_title(page):
    """How a backlink names a notes page: "Lesson 08", "docs/model", "README"."""
    if page.startswith("lessons/"):
        return "Lesson " + page.split("/")[1][:2]
    if page.startswith("docs/"):
        return page[:-len(".html")]
    return "README"


def lesson_page(num):
    for d in lesson_dirs():
        if d.name.startswith(num + "-"):
            return f"lessons/{d.name}.html"
    return None


def main():
    if shutil.which("pandoc") is None:
        print("build_site: pandoc is missing: sudo apt-get install pandoc (or `make deps-site`)")
        return 2
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    shutil.copy(ROOT / "docs" / "site" / CSS, OUT / CSS)
    # Pictures the docs show (docs/results/*.svg, *.png) go beside their pages.
    for picture in sorted((ROOT / "docs").glob("*/*")):
        if picture.suffix in (".svg", ".png") and picture.parent.name != "site":
            target = OUT / "docs" / picture.relative_to(ROOT / "docs")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(picture, target)
    pages, pointers = collect_pointers()
    wanted, backlinks = {}, {}
    for page, file, symbol in pointers:
        if symbol:
            sym = symbol.split("::")[-1]
            wanted.setdefault(file, set()).add(sym)
            title = page_title(page)
            backlinks.setdefault((file, sym), []).append((page, title))
    for md, page in pages:
        if md.is_file():
            render_markdown(md, page)
    sources = source_files()
    rendered = [render_source(path, wanted.get(path.relative_to(ROOT).as_posix(), set()), backlinks)
                for path in sources]
    highlighted = iter(highlight_cpp([code for *_, codes in rendered for code in codes]))
    for page, title, body, codes in rendered:
        for k in range(len(codes)):
            body = body.replace(CODE_MARK.format(k), next(highlighted), 1)
        write_page(page, title, body)
    # A page listing every source file.
    items = "".join(f'<li><a href="{source_page(p.relative_to(ROOT).as_posix())}">'
                    f'{html.escape(p.relative_to(ROOT).as_posix())}</a></li>' for p in sources)
    write_page("source.html", "source", nav("source.html") + f'<main class="prose"><h1>Source</h1><ul>{items}</ul></main>')
    print(f"build_site: {len(pages)} pages of notes, {len(sources)} annotated source files -> {OUT.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
