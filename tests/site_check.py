#!/usr/bin/env python3
"""site_check.py — `make site-check`: is the generated site whole, and does it render?

Over build/site/ (made by `make site`) it checks that:
  1. every local link (href, src) leads to a file that exists, and every #anchor to an element
     with that id in the target page;
  2. every lesson whose notes contain TeX math ($...$) became a page with MathML <math> in it,
     and every lesson's solution.cpp page shows the solution collapsed (<details>);
  3. headless Chromium renders the index, every lesson page and two annotated source pages: a
     probe page (made here; the site itself has no script) opens each in a frame and reports
     its text length, the height of every <math> element and the letters of upright words
     (`\\mathrm{RMS}`) that come out italic; a page with no text, a math element of zero height,
     an italic letter that the TeX sets upright, a `+=` drawn as "+ =" with a gap, a `\\Big(`
     bracket drawn smaller than its size, or an image (<img>) that did not load fails.
     Screenshots of three pages go to build/site/screenshots/ for a person to look at.
It prints one line per problem and exits 1 if there is any.
"""
import html
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
SITE = ROOT / "build" / "site"
LINK = re.compile(r'(?:href|src)="([^"]+)"')
IDS = re.compile(r'\bid="([^"]+)"')
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--allow-file-access-from-files", "--hide-scrollbars"]
# One page that loads every page to check in an iframe and measures each once all have loaded:
# one Chromium start for all of them (each start costs seconds).
PROBE = """<!DOCTYPE html><html><body>
<script>
const pages = %s;
let left = pages.length;
const results = {};
for (const p of pages) {
  const f = document.createElement('iframe');
  f.style.width = '1200px'; f.style.height = '800px';
  f.onload = () => {
    const d = f.contentDocument;
    const maths = d ? [...d.querySelectorAll('math')].map(m => m.getBoundingClientRect().height) : [];
    // Letters the TeX sets upright (\\mathrm, \\text) that Chromium draws italic: a one-letter
    // <mi> is italic unless its own mathvariant says "normal" (an <mstyle> around it does not count).
    const upright = d ? [...d.querySelectorAll('mi')].filter(m =>
        m.closest('mstyle[mathvariant="normal"]') || m.getAttribute('mathvariant') === 'normal') : [];
    const italic = upright.filter(m => m.textContent.length === 1 &&
        d.defaultView.getComputedStyle(m).textTransform === 'math-auto');
    results[p] = d ? { text: d.body.innerText.length, maths: maths.length,
                       flat: maths.filter(h => !(h > 0)).length, italic: italic.length,
                       italic_tex: [...new Set(italic.map(m => {
                           const t = m.closest('math').querySelector('annotation');
                           return (t ? t.textContent : m.textContent).slice(0, 60); }))].slice(0, 2),
                       // "+" and "=" drawn as two operators with a gap between them (\\mathrel{+}=)
                       gaps: d ? [...d.querySelectorAll('mo')].filter(m => {
                           const n = m.nextElementSibling;
                           return m.textContent === '+' && n && n.localName === 'mo' && n.textContent === '=' &&
                               n.getBoundingClientRect().left - m.getBoundingClientRect().right > 1; }).length : 0,
                       // \\big( and \\Big(: a bracket with a minimum size drawn smaller than it
                       small: d ? [...d.querySelectorAll('mo[minsize]')].filter(m => {
                           const em = parseFloat(d.defaultView.getComputedStyle(m).fontSize);
                           return m.getBoundingClientRect().height < 0.9 * parseFloat(m.getAttribute('minsize')) * em;
                       }).length : 0,
                       images: d.images.length,
                       unloaded: [...d.images].filter(i => !(i.naturalWidth > 0)).length } : null;
    if (--left === 0) document.body.setAttribute('data-check', JSON.stringify(results));
  };
  f.src = p;
  document.body.appendChild(f);
}
</script></body></html>"""
SCREENSHOTS = ["index.html", "lessons/08-rmsnorm.html", "src/src/ops/rmsnorm.cpp.html"]


def check_links(problems):
    ids_cache = {}
    pages = sorted(SITE.rglob("*.html"))
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for href in LINK.findall(text):
            href = html.unescape(href)
            if re.match(r"[a-z]+:", href) or href.startswith("//"):
                continue
            path, _, anchor = href.partition("#")
            target = (page.parent / path).resolve() if path else page
            if not target.exists():
                problems.append(f"{page.relative_to(SITE)}: broken link {href}")
                continue
            if anchor and target.suffix == ".html":
                if target not in ids_cache:
                    ids_cache[target] = set(IDS.findall(target.read_text(encoding="utf-8")))
                if anchor not in ids_cache[target]:
                    problems.append(f"{page.relative_to(SITE)}: no anchor #{anchor} in {target.relative_to(SITE)}")
    return len(pages)


def check_math(problems):
    for readme in sorted((ROOT / "lessons").glob("[0-9][0-9]-*/README.md")):
        page = SITE / "lessons" / f"{readme.parent.name}.html"
        has_tex = re.search(r"\$[^$\s][^$]*\$", readme.read_text(encoding="utf-8"))
        if not page.exists():
            problems.append(f"lessons/{readme.parent.name}: no page {page.relative_to(SITE)}")
        elif has_tex and "<math" not in page.read_text(encoding="utf-8"):
            problems.append(f"{page.relative_to(SITE)}: the notes have TeX math but the page has no MathML")


def check_solutions(problems):
    """An exercise's solution is not one click from the notes: its page shows it collapsed."""
    for page in sorted(SITE.glob("src/lessons/*/solution.cpp.html")):
        text = page.read_text(encoding="utf-8")
        table, details = text.find('<table class="annotated">'), text.find('<details class="solution">')
        if details < 0 or table < details:
            problems.append(f"{page.relative_to(SITE)}: the solution is shown open (no <details> around it)")


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def check_render(problems):
    browser = chromium()
    if browser is None:
        problems.append("chromium is missing: sudo apt-get install chromium (or `make deps-site`)")
        return 0
    pages = ["index.html"] + sorted(f"lessons/{p.name}" for p in (SITE / "lessons").glob("*.html"))
    pages += ["src/src/ops/rmsnorm.cpp.html", "src/src/nn/model.cpp.html"]
    pages = [p for p in pages if (SITE / p).is_file()]
    probe = SITE / "site-check-probe.html"
    probe.write_text(PROBE % json.dumps(pages), encoding="utf-8")
    shots = SITE / "screenshots"
    shots.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        base = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
        try:
            dom = subprocess.run(base + ["--virtual-time-budget=20000", "--dump-dom", probe.as_uri()],
                                 capture_output=True, text=True, timeout=300).stdout
        finally:
            probe.unlink()
        for page in SCREENSHOTS:
            if (SITE / page).is_file():
                shot = shots / (pathlib.PurePosixPath(page).stem + ".png")
                subprocess.run(base + ["--window-size=1200,1400", f"--screenshot={shot}", (SITE / page).as_uri()],
                               capture_output=True, timeout=120)
                if not shot.is_file():
                    problems.append(f"{page}: no screenshot was written")
    m = re.search(r'data-check="([^"]+)"', dom)
    if not m:
        problems.append("the pages did not all load in Chromium (no measurement came back)")
        return 0
    results = json.loads(html.unescape(m.group(1)))
    for page in pages:
        r = results.get(page)
        if r is None:
            problems.append(f"{page}: did not render")
        elif r["text"] < 100:
            problems.append(f"{page}: rendered almost no text ({r['text']} chars)")
        elif r["flat"]:
            problems.append(f"{page}: {r['flat']} of {r['maths']} math elements have no height")
        elif r["italic"]:
            problems.append(f"{page}: {r['italic']} letters of upright words (\\mathrm) render italic,"
                            f" e.g. in {' | '.join(r['italic_tex'])}")
        if r is not None and r.get("gaps"):
            problems.append(f"{page}: {r['gaps']} '+=' (\\mathrel{{+}}=) drawn as '+ =', with a gap")
        if r is not None and r.get("small"):
            problems.append(f"{page}: {r['small']} sized brackets (\\big, \\Big) drawn smaller than their size")
        if r is not None and r.get("unloaded"):
            problems.append(f"{page}: {r['unloaded']} of {r['images']} images did not load")
    return len(pages)


def main():
    if not (SITE / "index.html").is_file():
        print("site-check: no build/site/index.html: run `make site` first")
        return 1
    problems = []
    n_pages = check_links(problems)
    check_math(problems)
    check_solutions(problems)
    n_rendered = check_render(problems)
    for p in problems:
        print("site-check:", p)
    print(f"site-check: {n_pages} pages linked, {n_rendered} rendered in Chromium, {len(problems)} problems"
          f" (screenshots in {(SITE / 'screenshots').relative_to(ROOT)}/)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
