#!/usr/bin/env python3
"""build_site.py — the lessons, the docs and the annotated source as one static site.

`make site` runs it; the result is build/site/ (open build/site/index.html). It makes:
  index.html              from README.md
  lessons/NN-topic.html   from lessons/NN-topic/README.md (pandoc, math as MathML: no script)
  docs/NAME.html          from docs/NAME.md
  the pictures they show  at the same path as in the tree (lessons/NN-topic/figures/*.svg)
  src/PATH.html           one annotated page per source file (src/, include/, tests/,
                          lessons/*.cpp|hpp):
                          the `//` comment blocks as prose beside the code they precede, a title
                          line with a dashed underline as a section heading with an anchor, and
                          an anchor `sym-NAME` on the section where each symbol that a lesson or
                          doc points at (`path → symbol`) is defined.
Links go both ways: a lesson's pointer opens the symbol's section; a source page links back to
the lesson its `// Lesson NN ·` tag names, and each pointed-at section to the lessons that
point at it.
"""
import html
import os
import pathlib
import re
import shutil
import subprocess
import sys

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
    files += sorted(ROOT.glob("tests/*.[ch]pp"))
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


def render_markdown(md_path, page):
    text = rewrite_markdown(md_path.read_text(encoding="utf-8"), page, md_path)
    body = subprocess.run(["pandoc", "--from=gfm+tex_math_dollars", "--to=html5", "--mathml"],
                          input=text, capture_output=True, text=True, check=True).stdout
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


def render_source(path, symbols_wanted, backlinks):
    """Annotated page of one source file. symbols_wanted: symbols pointed at in this file."""
    name = path.relative_to(ROOT).as_posix()
    page = source_page(name)
    lines = path.read_text(encoding="utf-8").splitlines()
    tags = TAG.findall("\n".join(lines))
    placed = set()
    rows = []
    for comment, code in split_sections(lines):
        anchors, prose = [], []
        i = 0
        while i < len(comment):
            if i + 1 < len(comment) and TITLE_UNDERLINE.match(comment[i + 1].strip()) and comment[i].strip():
                title = comment[i].strip()
                anchors.append(f"sec-{slug(title)}")
                prose.append(f"<h3>{html.escape(title)}</h3>")
                i += 2
                continue
            prose.append(html.escape(comment[i]))
            i += 1
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
                back += '<p class="back">explained in ' + ", ".join(
                    f'<a href="{rel(page, p)}">{html.escape(t)}</a>' for p, t in links) + "</p>"
        ids = "".join(f'<span id="{a}"></span>' for a in anchors)
        prose_html = "<br>".join(p for p in prose) if prose else ""
        rows.append(f'<tr><td class="doc">{ids}{prose_html}{back}</td>'
                    f'<td class="code"><pre>{html.escape(code_text)}</pre></td></tr>')
    # Symbols never matched (e.g. only mentioned) get an anchor at the top so links still land.
    top_ids = "".join(f'<span id="sym-{s}"></span>' for s in sorted(symbols_wanted - placed))
    lesson_links = " ".join(
        f'<a href="{rel(page, lesson_page(n))}">Lesson {n} · {html.escape(t.strip())}</a>'
        for n, t in dict(tags).items() if lesson_page(n))
    header = f'<header>{top_ids}<h1>{html.escape(name)}</h1><p class="back">{lesson_links}</p></header>'
    write_page(page, name, nav(page) + header + f'<table class="annotated">{"".join(rows)}</table>')


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
    for path in sources:
        render_source(path, wanted.get(path.relative_to(ROOT).as_posix(), set()), backlinks)
    # A page listing every source file.
    items = "".join(f'<li><a href="{source_page(p.relative_to(ROOT).as_posix())}">'
                    f'{html.escape(p.relative_to(ROOT).as_posix())}</a></li>' for p in sources)
    write_page("source.html", "source", nav("source.html") + f'<main class="prose"><h1>Source</h1><ul>{items}</ul></main>')
    print(f"build_site: {len(pages)} pages of notes, {len(sources)} annotated source files -> {OUT.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
