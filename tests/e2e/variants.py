"""Messy variants of a licence text, made from the seeds inside the tests so the seeds stay
pristine. Each transform takes and returns str (bytes-level ones are applied by the caller)."""
import re

HALF_TO_FULL = str.maketrans({',': '，', ':': '：', ';': '；', '(': '（', ')': '）'})
FULL_TO_HALF = str.maketrans({'，': ',', '：': ':', '；': ';', '（': '(', '）': ')'})
HAN = r'[\u4e00-\u9fff]'


def crlf(t):
    return t.replace('\n', '\r\n')


def fullwidth_punct(t):
    return t.translate(HALF_TO_FULL)


def halfwidth_punct(t):
    return t.translate(FULL_TO_HALF)


def fullwidth_ascii(t):
    """Every ASCII letter and digit as its full-width form, as some typists produce."""
    return ''.join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in t)


def ocr_spaces(t):
    """A space between every pair of Chinese characters, and around colons."""
    t = re.sub(f'({HAN})(?={HAN})', r'\1 ', t)
    return re.sub(r'[ \t]*([:：])[ \t]*', r' \1 ', t)


def spaced_numbers(t):
    """琼B2-20220293 → 琼 B2- 2022 0293, everywhere the number appears."""
    return re.sub(r'([\u4e00-\u9fff]?)(B[12])-(\d{4})(\d+)', r'\1 \2- \3 \4', t)


def ideographic_spaces(t):
    return t.replace(': ', ':\u3000').replace('： ', '：\u3000')


def wrap(t, width=24):
    """A narrow scan: every line longer than width is cut into width-character lines."""
    out = []
    for line in t.split('\n'):
        while len(line) > width:
            out.append(line[:width])
            line = line[width:]
        out.append(line)
    return '\n'.join(out)


def no_blank_lines(t):
    return '\n'.join(l for l in t.split('\n') if l.strip())


def value_below_label(t):
    """公司名称: X → 公司名称: / (blank) / X, for the main page's simple fields."""
    def move(m):
        return f'{m.group(1)}\n\n{m.group(2)}'
    return re.sub(r'^((?:公司名称|法定代表人)\s*[:：])\s*(\S.*)$', move, t, flags=re.M)


def form_feeds(t):
    """pdftotext-style page breaks before each repeated page header."""
    return re.sub(r'\n(经营许可证编号)', '\n\f\\1', t)


def appendix_last(t):
    """Moves the appendix (附页 … up to the provisions' first header) to the end."""
    lines = t.split('\n')
    start = next((i for i, l in enumerate(lines) if re.fullmatch(r'\s*[（(]\s*附\s*页\s*[)）]\s*', l)), None)
    if start is None:
        return t
    start -= 1  # the title line above the marker
    end = next((i for i in range(start + 2, len(lines)) if lines[i].strip().startswith('特别规定事项')), None)
    if end is None:
        return t
    end -= 2  # keep the number header with the provisions
    block = lines[start:end]
    rest = lines[:start] + lines[end:]
    return '\n'.join(rest + [''] + block)


def dates_swapped(t):
    """The expiry block printed before the issue-date block."""
    m_issue = re.search(r'发证日期\s*[:：][^\n]*\n(?:\s*\n)*(?:\s*\d{4}[^\n]*\n)?', t)
    m_exp = re.search(r'有效期(?:限)?至\s*[:：][^\n]*\n(?:\s*\n)*(?:\s*\d{4}[^\n]*\n)?', t)
    if not m_issue or not m_exp or m_exp.start() < m_issue.end():
        return t
    a, b = m_issue.group(0), m_exp.group(0)
    return t[:m_issue.start()] + b + t[m_issue.end():m_exp.start()] + a + t[m_exp.end():]


CN_DIGITS = '〇一二三四五六七八九'


def cn_number(n):
    """1..31 in Chinese numerals: 4 → 四, 10 → 十, 15 → 十五, 29 → 二十九."""
    tens, units = divmod(n, 10)
    head = '' if tens == 0 else ('十' if tens == 1 else CN_DIGITS[tens] + '十')
    return head + (CN_DIGITS[units] if units else '')


def chinese_numeral_dates(t):
    """2022年04月15日 → 二〇二二年四月十五日, as seals print them."""
    def conv(m):
        y = ''.join(CN_DIGITS[int(c)] for c in m.group(1))
        return f'{y}年{cn_number(int(m.group(2)))}月{cn_number(int(m.group(3)))}日'
    return re.sub(r'(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日', conv, t)


def ocr_digit_lookalikes(t):
    """OCR's digit confusions: 0 read as O in every licence number, 1 as ] or l in dates."""
    t = re.sub(r'(B[12]-\s*\d)0', r'\1O', t)
    t = re.sub(r'(\d{4}\s*年\s*)1(\s*月)', r'\1]\2', t)
    return re.sub(r'(\d{4}\s*年\s*\d{1,2}\s*月\s*)1(\d)', r'\1l\2', t)


def ocr_label_misreads(t):
    """One character of a label misread, as OCR does (接入 → 接大, 代表人 → 代表入, 日期 → 曰期)."""
    return (t.replace('网站接入服务提供单位', '网站接大服务提供单位')
             .replace('法定代表人', '法定代表入')
             .replace('发证日期', '发证曰期'))


CN_NUMERAL = {n: v for v, n in enumerate(
    ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二', '十三', '十四', '十五',
     '十六', '十七', '十八', '十九', '二十'], start=1)}


def arabic_numbering(t):
    """Provisions as 1、… and items as (1)…, and the service lines enumerated 1. 2. …"""
    t = re.sub(r'^([一二三四五六七八九十]{1,3})、', lambda m: f'{CN_NUMERAL[m.group(1)]}、', t, flags=re.M)
    t = re.sub(r'^[（(]([一二三四五六七八九十]{1,3})[)）]', lambda m: f'({CN_NUMERAL[m.group(1)]})', t, flags=re.M)
    count = iter(range(1, 100))
    return re.sub(r'^(信息服务业务|在线数据处理与交易处理业务)', lambda m: f'{next(count)}. {m.group(1)}', t, flags=re.M)


TEXT_VARIANTS = {
    'crlf': crlf,
    'fullwidth_punct': fullwidth_punct,
    'halfwidth_punct': halfwidth_punct,
    'fullwidth_ascii': fullwidth_ascii,
    'ocr_spaces': ocr_spaces,
    'spaced_numbers': spaced_numbers,
    'ideographic_spaces': ideographic_spaces,
    'wrap24': wrap,
    'no_blank_lines': no_blank_lines,
    'value_below_label': value_below_label,
    'form_feeds': form_feeds,
    'appendix_last': appendix_last,
    'dates_swapped': dates_swapped,
    'wrap_and_spaces': lambda t: wrap(ocr_spaces(t), 30),
    'chinese_numeral_dates': chinese_numeral_dates,
    'ocr_digit_lookalikes': ocr_digit_lookalikes,
    'ocr_label_misreads': ocr_label_misreads,
    'arabic_numbering': arabic_numbering,
}

BYTE_VARIANTS = {
    'utf8_bom': lambda t: b'\xef\xbb\xbf' + t.encode('utf-8'),
    'gb18030': lambda t: t.encode('gb18030'),
    'gbk_crlf': lambda t: crlf(t).encode('gbk'),
    'utf16_bom': lambda t: t.encode('utf-16'),
}
