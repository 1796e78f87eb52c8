"""Renders licence texts into scans for the OCR tests and the benchmark: page images drawn by
pango-view and ImageMagick with the Noto CJK fonts (clean, tilted, blurred, noisy, photographed-like), a
multi-page TIFF, an image-only PDF (img2pdf) and a PDF with a text layer (pango-view). Only
Debian's packages; run with /usr/bin/python3.

usage as a module: render.pages(text, out_dir, style) → [png paths]; render.tiff(...), ...
usage as a script: render.py TEXT_FILE OUT_DIR [STYLE...]"""
import os
import subprocess
import sys
import unicodedata

WRAP = 42          # display columns of a wide character count 2: a page about 1,300 px wide
PAGE_LINES = 44
STYLES = ('clean', 'tilted', 'blurred', 'noisy', 'photo')


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
}


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
    ext = '.jpg' if style == 'photo' else '.png'
    out = path + ext
    subprocess.run(['convert', plain, '-background', 'white', '-alpha', 'remove', *EFFECTS[style],
                    '-density', str(dpi), '-units', 'PixelsPerInch', out], check=True, capture_output=True)
    os.remove(src)
    os.remove(plain)
    return out


def pages(text, out_dir, style='clean', stem='page', **print_):
    """print_: draw's font, points, dpi."""
    os.makedirs(out_dir, exist_ok=True)
    return [draw(p, os.path.join(out_dir, f'{stem}{i + 1}-{style}'), style, **print_)
            for i, p in enumerate(paginate(wrap(text)))]


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
