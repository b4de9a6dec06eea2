"""mathml.py — makes pandoc's MathML render in Chromium as the TeX in the notes reads.

pandoc (texmath) writes MathML that Chromium's MathML Core renders differently from TeX:
  1. `\\mathrm{RMS}` becomes `<mstyle mathvariant="normal"><mi>R</mi><mi>M</mi><mi>S</mi></mstyle>`.
     Chromium ignores mathvariant on <mstyle>, so each single-letter <mi> comes out italic, letter
     by letter. fix_upright() makes the word one `<mi mathvariant="normal">RMS</mi>` (and a
     single letter, as in `\\mathrm{d}x`, `<mi mathvariant="normal">d</mi>`).
  2. Every pair of brackets gets `stretchy="true"`, even a plain `(x)`, so Chromium stretches
     `(x)` after a word to the height of its neighbours. In TeX only `\\left ... \\right`
     stretches: fix_brackets() makes the brackets of a formula without `\\left` non-stretchy.
  3. `\\overline{x^2}` puts a short macron (U+00AF) over the exponent, where it reads like part
     of the exponent, and Chromium stretches no accent: fix_overline() draws the line as the top
     border of the whole base instead (`<mrow class="overline">`, style.css).
  4. `\\mathrel{+}=` (TeX's "+=" set as one relation) becomes two operators, `<mo>+</mo><mo>=</mo>`,
     and Chromium spaces each as an operator of its own: "+ =". fix_compound_ops() makes them
     one `<mo>+=</mo>`, which MathML's operator dictionary spaces as one relation.
  5. `\\big(`, `\\Big(`, ... become `<mo minsize="1.8" maxsize="1.8" stretchy="false">`: a bare
     number, which MathML Core does not read as a size, on an operator that may not stretch, so
     Chromium draws a bracket of normal height. fix_sized_brackets() writes the size in em and
     lets the bracket stretch, to exactly that size (minsize = maxsize). A bracket that is the
     base of a script (`\\Big)^{1/3}`) stretches only inside an <mrow> of its own.
fix_mathml() applies all five to a page of HTML.
"""
import re

MATH = re.compile(r"<math\b.*?</math>", re.S)
UPRIGHT = re.compile(r'<mstyle mathvariant="normal">((?:<mi>[^<]*</mi>)+)</mstyle>')
STRETCHY_BRACKET = re.compile(r'<mo stretchy="true" form="(prefix|postfix)">')
MACRON = '<mo accent="true">\u00af</mo>'
COMPOUND_OP = re.compile(r"<mo>([-+*/])</mo>\s*<mo>=</mo>")
SIZED_BRACKET = re.compile(r'<mo minsize="([\d.]+)" maxsize="([\d.]+)" stretchy="false"')
SCRIPT_BASE_BRACKET = re.compile(r'(<msup>|<msub>|<msubsup>)(<mo minsize="[^"]*"[^>]*>[^<]*</mo>)')


def fix_upright(math):
    def word(m):
        letters = "".join(re.findall(r"<mi>([^<]*)</mi>", m.group(1)))
        return f'<mi mathvariant="normal">{letters}</mi>'
    return UPRIGHT.sub(word, math)


def fix_brackets(math):
    tex = re.search(r'<annotation encoding="application/x-tex">(.*?)</annotation>', math, re.S)
    if tex and "\\left" in tex.group(1):
        return math
    return STRETCHY_BRACKET.sub(r'<mo stretchy="false" form="\1">', math)


def fix_overline(math):
    end = MACRON + "</mover>"
    while (at := math.rfind(end)) >= 0:
        # the <mover> this macron closes: walk back over nested <mover>s
        depth, i = 0, at
        while True:
            i = max(math.rfind("<mover>", 0, i), math.rfind("</mover>", 0, i))
            if i < 0:
                return math  # not pandoc's shape: leave it
            if math.startswith("</mover>", i):
                depth += 1
            elif depth == 0:
                break
            else:
                depth -= 1
        base = math[i + len("<mover>"):at]
        math = math[:i] + f'<mrow class="overline">{base}</mrow>' + math[at + len(end):]
    return math


def fix_compound_ops(math):
    return COMPOUND_OP.sub(r"<mo>\1=</mo>", math)


def fix_sized_brackets(math):
    math = SIZED_BRACKET.sub(r'<mo minsize="\1em" maxsize="\2em" stretchy="true" symmetric="true"', math)
    return SCRIPT_BASE_BRACKET.sub(r"\1<mrow>\2</mrow>", math)


def fix_mathml(page_html):
    return MATH.sub(lambda m: fix_sized_brackets(fix_compound_ops(fix_overline(fix_brackets(fix_upright(m.group(0)))))),
                    page_html)
