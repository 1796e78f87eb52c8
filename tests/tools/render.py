"""Renders licence texts into scans for the OCR tests and the benchmark: page images drawn by
pango-view and ImageMagick with the Noto CJK fonts (clean, tilted, blurred, noisy, photographed-like,
sealed: a red seal over the issue date, shadowed: lit unevenly, patterned: on licence paper's
pale background pattern inside a ruled border), a
multi-page TIFF, an image-only PDF (img2pdf) and a PDF with a text layer (pango-view). Only
Debian's packages; run with /usr/bin/python3.

usage as a module: render.pages(text, out_dir, style) → [png paths]; render.tiff(...), ...
usage as a script: render.py TEXT_FILE OUT_DIR [STYLE...]"""
import math
import os
import subprocess
import sys
import unicodedata

WRAP = 42          # display columns of a wide character count 2: a page about 1,300 px wide
PAGE_LINES = 44
STYLES = ('clean', 'tilted', 'blurred', 'noisy', 'photo', 'sealed', 'shadowed', 'patterned', 'phone')


def columns(ch):
    return 2 if unicodedata.east_asian_width(ch) in 'WF' else 1


def wrap(text, width=WRAP * 2):
    """Breaks long lines as a printed page does (at any character: Chinese has no spaces)."""
    out = []
    for line in text.replace('\r\n', '\n').replace('\f', '\n').split('\n'):
        cur, used = '', 0
        for ch in line:
            w = columns(ch)
            if used + w > width and cur:
                out.append(cur)
                cur, used = '', 0
            cur += ch
            used += w
        out.append(cur)
    return out


def paginate(lines, per_page=PAGE_LINES):
    pages, cur = [], []
    for line in lines:
        cur.append(line)
        if len(cur) >= per_page:
            pages.append(cur)
            cur = []
    if any(l.strip() for l in cur):
        pages.append(cur)
    return pages


# ImageMagick operations per style, applied to the drawn page (noise seeded: repeatable)
EFFECTS = {
    'clean': [],
    'tilted': ['-rotate', '1.8'],
    'blurred': ['-blur', '0x1.1'],
    'noisy': ['-seed', '7', '-attenuate', '0.45', '+noise', 'Gaussian', '-colorspace', 'Gray'],
    'photo': ['-seed', '7', '-rotate', '-1.2', '-attenuate', '0.25', '+noise', 'Gaussian', '-blur', '0x0.6',
              '-fill', '#f3efe4', '-colorize', '8%', '-quality', '70'],
    'sealed': [],  # clean, in colour, a red seal stamped over the issue date (seal() below)
    'shadowed': [],  # clean, lit from the top: the paper falls to grey 112 at the bottom (shadow())
    'patterned': [],  # clean, on a pale green hexagon pattern inside a double border (paper())
    # a phone photo: tilted 0.8°, a little noise and blur, then (phone()) seen slightly from
    # below (perspective), lit unevenly, saved as a JPEG of quality 60
    'phone': ['-seed', '11', '-rotate', '0.8', '-attenuate', '0.2', '+noise', 'Gaussian', '-blur', '0x0.5'],
}
SHADOW = '#707070'
PATTERN_INK = '#b8c8b8'  # luminance 195, too little colour to be faded as ink
SEAL_INK, SEAL_LINE = '#d42a2a', '发证日期'


FONT, POINTS, DPI = 'Noto Sans CJK SC', 14, 200


def draw(lines, path, style='clean', font=FONT, points=POINTS, dpi=DPI):
    """One page: pango-view lays the text out (ImageMagick's label: cannot size long pages),
    ImageMagick adds the style's damage. Other prints: font='Noto Serif CJK SC' (the Song face
    licences are printed in), points and dpi (12 pt at 150 dpi: a low-resolution scan)."""
    while lines and not lines[0].strip():
        lines = lines[1:]
    src, plain = path + '.txt', path + '.plain.png'
    with open(src, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines))
    subprocess.run(['pango-view', f'--font={font} {points}', f'--dpi={dpi}', '--margin=90',
                    '--background=white', '--foreground=black', '--hinting=full', '-q',
                    '-o', plain, src], check=True, capture_output=True)
    ext = '.jpg' if style in ('photo', 'phone') else '.png'
    out = path + ext
    subprocess.run(['convert', plain, '-background', 'white', '-alpha', 'remove', *EFFECTS[style],
                    '-density', str(dpi), '-units', 'PixelsPerInch', out], check=True, capture_output=True)
    os.remove(src)
    os.remove(plain)
    if style == 'sealed':
        seal(out, lines, font, points, dpi)
    elif style == 'shadowed':
        shadow(out)
    elif style == 'patterned':
        paper(out)
    elif style == 'phone':
        phone(out)
    return out


def phone(page):
    """The page photographed by hand: the top edge 2 % narrower on each side than the bottom
    (the camera held a little below the page), lit unevenly from one corner, JPEG quality 60."""
    w, h = map(int, size_of(page).split('x'))
    dx = w // 50
    subprocess.run(['convert', page, '-virtual-pixel', 'white', '-distort', 'Perspective',
                    f'0,0 {dx},0  {w},0 {w - dx},0  0,{h} 0,{h}  {w},{h} {w},{h}',
                    '(', '-size', f'{w}x{h}', 'radial-gradient:white-#8a8a8a', ')',
                    '-compose', 'multiply', '-composite', '-colorspace', 'Gray', '-quality', '60', page],
                   check=True, capture_output=True)


def size_of(image):
    return subprocess.run(['identify', '-format', '%wx%h', image], check=True, capture_output=True,
                          text=True).stdout


def shadow(page):
    """The page photographed in uneven light: white at the top falling to SHADOW at the bottom,
    multiplied onto the page (print stays black, paper darkens)."""
    subprocess.run(['convert', page, '(', '-size', size_of(page), f'gradient:white-{SHADOW}', ')',
                    '-compose', 'multiply', '-composite', page], check=True, capture_output=True)


def paper(page):
    """The page printed on licence paper: a pale hexagon pattern over all of it (multiplied: print
    stays black) and a ruled double border in the margin."""
    w, h = map(int, size_of(page).split('x'))
    subprocess.run(['convert', page, '(', '-size', f'{w}x{h}', 'pattern:hexagons', '-fill', PATTERN_INK,
                    '-opaque', 'black', ')', '-compose', 'multiply', '-composite', '-fill', 'none',
                    '-stroke', 'black', '-strokewidth', '7', '-draw', f'rectangle 28,28 {w - 28},{h - 28}',
                    '-strokewidth', '2', '-draw', f'rectangle 46,46 {w - 46},{h - 46}', page],
                   check=True, capture_output=True)


def line_box(lines, at, path, font, points, dpi):
    """(x, y, width, height) of lines[at] on the page drawn from lines: the page drawn again
    with every other line left empty (a zero-width space keeps its height), and trimmed."""
    only = [line if i == at else '\u200b' for i, line in enumerate(lines)]
    alone = draw(only, path, 'clean', font, points, dpi)
    box = subprocess.run(['convert', alone, '-trim', '-format', '%w %h %X %Y', 'info:'], check=True,
                         capture_output=True, text=True).stdout.split()
    os.remove(alone)
    w, h, x, y = map(int, box)
    return x, y, w, h


def seal(page, lines, font, points, dpi):
    """A round red seal (42 mm across, as an official seal is) stamped over the end of the
    issue date line, when the page has one: drawn on its own layer and multiplied onto the page,
    as stamp ink tints the print under it without hiding it. The page turns to colour."""
    at = next((i for i, line in enumerate(lines) if SEAL_LINE in line), None)
    if at is None:
        return
    x, y, w, h = line_box(lines, at, page + '.line', font, points, dpi)
    cx, cy, r = x + w - dpi // 4, y + h // 2, int(dpi * 21 / 25.4)
    star = ' '.join(f'{cx + r * 0.35 * math.cos(math.radians(-90 + i * 144)):.0f},'
                    f'{cy - r * 0.1 + r * 0.35 * math.sin(math.radians(-90 + i * 144)):.0f}'
                    for i in range(5))
    layer = page + '.seal.png'
    subprocess.run(['convert', '-size', size_of(page), 'xc:white', '-fill', 'none', '-stroke', SEAL_INK,
                    '-strokewidth', str(dpi // 22), '-draw', f'circle {cx},{cy} {cx + r},{cy}',
                    '-stroke', 'none', '-fill', SEAL_INK, '-draw', f'polygon {star}',
                    '-font', 'Noto-Sans-CJK-SC-Bold', '-pointsize', str(dpi * 3 // 20),
                    '-draw', f"text {cx - r * 0.55:.0f},{cy + r * 0.6:.0f} '通信管理局'", layer],
                   check=True, capture_output=True)
    subprocess.run(['convert', page, layer, '-compose', 'multiply', '-composite', page], check=True,
                   capture_output=True)
    os.remove(layer)


def pages(text, out_dir, style='clean', stem='page', **print_):
    """print_: draw's font, points, dpi."""
    os.makedirs(out_dir, exist_ok=True)
    return [draw(p, os.path.join(out_dir, f'{stem}{i + 1}-{style}'), style, **print_)
            for i, p in enumerate(paginate(wrap(text)))]


def turned(image, degrees):
    """image turned clockwise by degrees (a page scanned upside down or sideways), beside it;
    the image itself when degrees is 0."""
    if degrees % 360 == 0:
        return image
    stem, ext = os.path.splitext(image)
    out = f'{stem}-turned{degrees}{ext}'
    subprocess.run(['convert', image, '-rotate', str(degrees), out], check=True, capture_output=True)
    return out


def tiff(images, out):
    subprocess.run(['convert', *images, '-compress', 'lzw', out], check=True, capture_output=True)
    return out


def image_pdf(images, out):
    subprocess.run(['img2pdf', *images, '-o', out], check=True, capture_output=True)
    return out


def text_pdf(text, out):
    src = out + '.txt'
    with open(src, 'w', encoding='utf-8') as f:
        f.write('\n'.join(wrap(text)))
    subprocess.run(['pango-view', '--font=Noto Sans CJK SC 11', '-q', '--margin=60',
                    '-o', out, src], check=True, capture_output=True)
    os.remove(src)
    return out


if __name__ == '__main__':
    text = open(sys.argv[1], encoding='utf-8').read()
    for style in sys.argv[3:] or ['clean']:
        for p in pages(text, sys.argv[2], style):
            print(p)
