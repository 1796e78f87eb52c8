#!/usr/bin/python3
"""Licences of many shapes, each with the record it should give, for measuring extraction on
documents the extractor was not written against. Deterministic for a seed: the tuning part
(seed 1) is what the extractor is developed against, the held-out part (seed 2, other
combinations) is only measured (bench/extraction_accuracy.py).

What varies: the 31 provincial issuers and MIIT's cross-regional numbers; years 2005-2026;
B1/B2 services with 仅限/含/不含 scopes; 1-40 websites with several domains and IDNs; 10-20
provisions; names with the middle dot of minority names; full- or half-width punctuation;
GB18030 or UTF-8; and the layout:

  plain      the typed/scanned form the fixtures have: one label a line
  elicence   the PDF text layer as `pdftotext -layout` gives it: two labels on a line, pages
             split by form feeds, a print date and the issuer repeated at the foot of each page,
             page numbers
  box        the appendix as a box-drawing table (┌─┬─┐ │), cells wrapped over lines
  ascii      the appendix as an ASCII table (+---+ |)
  columns    the appendix as space-aligned columns (pdftotext -layout) or tab-separated ones
  slips      the plain layout with the slips users reported on their first imports: the number's
             province read as a look-alike (SLIPS), a clause's numeral read as a look-alike, a
             minority name's middle dot typed as another mark, a domain list wrapped at its space

usage: licgen.py OUT_DIR COUNT --seed N [--layouts plain,elicence,...]
       writes OUT_DIR/<layout>_<k>.txt and .json (the expected record)
   or: import licgen; licgen.generate(seed, count, layouts) -> [(name, bytes, expected)]"""
import json
import os
import random
import sys

# Region abbreviation, province, issuer: the catalogue the regulation names (same as
# src/core/catalogue.c, which is checked against the same list).
REGIONS = [('京', '北京市'), ('津', '天津市'), ('冀', '河北省'), ('晋', '山西省'), ('蒙', '内蒙古自治区'),
           ('辽', '辽宁省'), ('吉', '吉林省'), ('黑', '黑龙江省'), ('沪', '上海市'), ('苏', '江苏省'),
           ('浙', '浙江省'), ('皖', '安徽省'), ('闽', '福建省'), ('赣', '江西省'), ('鲁', '山东省'),
           ('豫', '河南省'), ('鄂', '湖北省'), ('湘', '湖南省'), ('粤', '广东省'), ('桂', '广西壮族自治区'),
           ('琼', '海南省'), ('渝', '重庆市'), ('川', '四川省'), ('贵', '贵州省'), ('云', '云南省'),
           ('藏', '西藏自治区'), ('陕', '陕西省'), ('甘', '甘肃省'), ('青', '青海省'), ('宁', '宁夏回族自治区'),
           ('新', '新疆维吾尔自治区')]
MINISTRY = '工业和信息化部'
CITIES = ['北京', '上海', '广州', '深圳', '杭州', '南京', '成都', '武汉', '西安', '海口', '厦门', '苏州',
          '乌鲁木齐', '拉萨', '银川', '呼和浩特', '哈尔滨', '昆明', '贵阳', '兰州']
WORDS = ['小荷', '佰易', '好美', '星河', '启明', '云栈', '蓝海', '青禾', '天衡', '瑞丰', '嘉禾', '明远',
         '华信', '万象', '安泰', '博雅', '智联', '远航', '新程', '汇通', '融创', '锦程', '鼎盛', '长风',
         '丝路', '雪域', '天山', '塞上', '北疆', '草原']
KINDS = ['网络技术', '信息技术', '科技', '数据服务', '互联网医院', '电子商务', '文化传媒', '健康网络技术']
SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗'
GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华'
# Uyghur and Tibetan names as Chinese documents transliterate them, joined by the middle dot
MINORITY = [('买买提', '艾力'), ('阿布都', '热合曼'), ('热依拉', '吐尔逊'), ('扎西', '次仁'),
            ('古丽', '努尔'), ('艾尼瓦尔', '司马义')]
# (code, printed name, scope words, kind of scope)
B2_SERVICES = [
    ('B25', '信息服务业务', '仅限互联网信息服务', '不含信息搜索查询服务、信息即时交互服务'),
    ('B21', '在线数据处理与交易处理业务', '仅限经营类电子商务', '不含网络借贷信息中介类的互联网金融业务'),
    ('B24', '呼叫中心业务', '', ''),
    ('B23', '存储转发类业务', '', ''),
    ('B22', '国内多方通信服务业务', '', ''),
]
B1_SERVICES = [
    ('B11', '互联网数据中心业务', '不含互联网资源协作服务', ''),
    ('B12', '内容分发网络业务', '', ''),
    ('B14', '互联网接入服务业务', '', ''),
]
TLDS = ['cn', 'com', 'com.cn', 'net', 'net.cn', 'org', 'top', '中国']
IDN_LABELS = ['星河', '好美', '云栈', '启明']
PROVIDERS = ['阿里云计算有限公司', '腾讯云计算（北京）有限责任公司', '中国电信股份有限公司上海分公司',
             '中联云港数据科技股份有限公司', '华为云计算技术有限公司']
CONDITION = '【依法须经批准的项目，经相关部门批准后方可开展相应经营活动】'
PROVISION_TEXTS = [
    '你公司应当按照《中华人民共和国电信条例》等法律法规要求，严格执行电信网码号资源、业务资费、市场管理等行业管理规定。',
    '你公司应当按照许可的业务种类和业务覆盖范围，依法开展业务经营活动，不得经营或变相经营未经许可的其他电信业务。',
    '你公司在未取得国内通信设施服务业务经营许可时，不得投资建设电信传输网络设施。',
    '你公司应当按照电信主管部门要求，规范各类电信资源的使用管理，不得向未经许可擅自开展电信业务的经营者提供电信资源。',
    '你公司应当按照《电信服务规范》等相关电信服务管理要求向用户提供服务，建立健全服务管理制度。',
    '你公司应当按照《通信网络安全防护管理办法》的有关要求，开展所属网络和系统定级备案、符合性评测和风险评估等工作。',
    '你公司应当按照国家用户信息保护有关法律法规要求，开展用户信息保护工作，落实企业网络与信息安全主体责任。',
    '你公司应当按照电信主管部门要求，在发生重大网络安全事件时，立即进行应急处置，并第一时间向电信主管部门报告。',
    '你公司应当配合国家有关部门依法开展监督检查工作，做好用户日志留存、违法信息监测等工作。',
    '你公司应按照有关法律法规要求，为有关部门提供技术接口和解密等技术支持和协助。',
    '你公司或者经你公司授权经营电信业务的子公司，遇有合并或者分立等情形，应当自公司作出决定之日起30日内向我部提出申请。',
    '你公司遇有业务覆盖范围内负责当地业务经营的机构信息发生变化的情形，应当在变更后30日内向原发证机关报送有关信息。',
    '你公司经营许可证有效期届满需要继续经营的，应当提前90日向原发证机关提出续办申请。',
    '你公司应当在每年第一季度参加电信主管部门组织的经营许可证年报。',
    '你公司应当建立健全网络与信息安全保障制度，制定应急处置预案。',
    '你公司应当在公司主要经营场所、网站主页等显著位置标明经营许可证编号。',
    '你公司应当妥善化解服务纠纷，维护用户合法权益。',
    '你公司提供信息发布平台服务时，应当充分保障用户权益，不得强行推送、定制服务。',
    '你公司应当加强数据访问权限管理，防止用户信息和数据泄露。',
    '你公司应当按照有关规定开展互联网新技术新业务安全评估。',
]
NUMERALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二', '十三', '十四',
            '十五', '十六', '十七', '十八', '十九', '二十']
LAYOUTS = ['plain', 'elicence', 'box', 'ascii', 'columns', 'slips']
# Misreads reported with issue 23 by users importing OCR'd licences (not measured here): the
# province of a number, and the numeral of a clause. The extractor holds no such table: it
# repairs a province from the printed 发证机关 and a numeral from the clauses around it.
REGION_SLIPS = {'沪': ['汽', '泸'], '粤': ['奥'], '苏': ['办']}
NUMERAL_SLIPS = {'六': ['太', '大']}
DOT_SLIPS = ['.', '•', '・', '：']
FULL = str.maketrans({',': '，', ':': '：', ';': '；', '(': '（', ')': '）'})


def width(s):
    return sum(2 if ord(c) > 0x2E7F else 1 for c in s)


def pad(s, w):
    return s + ' ' * max(0, w - width(s))


def licence(rng, seed, k, layout=''):
    """One licence's facts: the record it should give."""
    cross = rng.random() < 0.12 and layout != 'slips'
    abbr, province = ('', '') if cross else rng.choice(
        [r for r in REGIONS if r[0] in REGION_SLIPS] if layout == 'slips' else REGIONS)
    cls = 'B1' if rng.random() < 0.2 else 'B2'
    year = rng.randint(2005, 2026)
    number = f'{abbr}{cls}-{year}{rng.randint(0, 9999):04d}'
    pool = B1_SERVICES if cls == 'B1' else B2_SERVICES
    services = rng.sample(pool, rng.randint(1, min(3, len(pool))))
    services.sort(key=lambda s: pool.index(s))
    if rng.random() < (0.6 if layout == 'slips' else 0.2):
        legal = '·'.join(rng.choice(MINORITY))
    else:
        legal = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else '')
    company = f'{rng.choice(CITIES)}{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.choice(KINDS)}有限公司'
    issued_year = min(max(year, year + rng.randint(0, 2)), 2026)
    m, d = rng.randint(1, 12), rng.randint(1, 28)
    websites = []
    for code, *_ in services:
        if code not in ('B21', 'B25'):
            continue
        for w in range(rng.choice([1, 1, 2, 3, 5, 12, 40]) if len(websites) < 40 else 0):
            stem = f's{seed}k{k}w{len(websites)}'
            tld = rng.choice(TLDS)
            if tld == '中国' or rng.random() < 0.05:
                host = f'{rng.choice(IDN_LABELS)}{len(websites)}k{k}.{tld}'
            else:
                host = f'{stem}.{tld}'
            domains = [host]
            if rng.random() < 0.4:
                domains.append('www.' + host)
            if rng.random() < 0.15:
                domains.append(f'm{stem}.{rng.choice(TLDS[:5])}')
            websites.append(dict(service=code, name=rng.choice(WORDS) + rng.choice(WORDS) + rng.choice(['', '网', '商城', '在线']),
                                 domains=domains,
                                 server_location=f'{rng.choice(CITIES)}市{rng.choice(["", "朝阳区", "浦东新区", "高新区"])}'
                                                 f'{rng.choice(["", "科技园", "数据中心"])}{rng.randint(1, 99)}号',
                                 access_provider=rng.choice(PROVIDERS)))
    n_prov = rng.randint(10, 20)
    provisions = rng.sample(PROVISION_TEXTS, n_prov)
    return dict(number=number, region=abbr, category=cls,
                issuer=f'{province}通信管理局' if abbr else MINISTRY,
                company=company, legal_representative=legal,
                issued=f'{issued_year}-{m:02d}-{d:02d}', expires=f'{issued_year + 5}-{m:02d}-{d:02d}',
                services=[s[0] for s in services], websites=websites,
                provisions=[dict(no=i + 1, text=t) for i, t in enumerate(provisions)],
                slips=[],  # text printed with a slip: each must be named by a review warning
                _services=services, _cross=cross)


def date_text(iso, style):
    y, m, d = (int(x) for x in iso.split('-'))
    return [f'{y}年{m:02d}月{d:02d}日', f'{y}年{m}月{d}日', f'{y}-{m:02d}-{d:02d}'][style]


def service_lines(rec):
    out = []
    for code, name, scope, qual in rec['_services']:
        head = f'{name}({scope})' if scope.startswith('仅限') or scope.startswith('不含') else name
        out.append(head)
        if qual:
            out.append(qual + '。')
        out.append(CONDITION)
        if rec['_cross']:
            out.append('业务覆盖范围：全国')
    return out


def site_block(rec, w, wrapped=False):
    domains = '\n'.join(w['domains']) if wrapped else ' '.join(w['domains'])
    return [f'网站名称：{w["name"]}', f'网站域名：{domains}',
            f'服务器放置地点：{w["server_location"]}', f'网站接入服务提供单位：{w["access_provider"]}']


def wrap_cell(s, n):
    """A cell's text cut into pieces of n characters (a table wraps long cells)."""
    return [s[i:i + n] for i in range(0, len(s), n)] or ['']


def table(rec, sites, kind, rng):
    """The appendix websites as a table of the given kind; long cells wrap."""
    heads = ['序号', '网站名称', '网站域名', '服务器放置地点', '网站接入服务提供单位']
    widths = [6, 14, 30, 24, 24]
    rows = []
    for n, w in enumerate(sites, 1):
        cells = [[str(n)], wrap_cell(w['name'], 6), list(w['domains']),
                 wrap_cell(w['server_location'], 10), wrap_cell(w['access_provider'], 10)]
        rows.append(cells)
    lines = []
    if kind == 'box':
        def border(l, m, r):
            return l + m.join('─' * x for x in widths) + r
        lines.append(border('┌', '┬', '┐'))
        lines.append('│' + '│'.join(pad(h, x) for h, x in zip(heads, widths)) + '│')
        for row in rows:
            lines.append(border('├', '┼', '┤'))
            for r in range(max(len(c) for c in row)):
                lines.append('│' + '│'.join(pad(c[r] if r < len(c) else '', x) for c, x in zip(row, widths)) + '│')
        lines.append(border('└', '┴', '┘'))
    elif kind == 'ascii':
        sep = '+' + '+'.join('-' * x for x in widths) + '+'
        lines.append(sep)
        lines.append('|' + '|'.join(pad(h, x) for h, x in zip(heads, widths)) + '|')
        lines.append(sep.replace('-', '='))
        for row in rows:
            for r in range(max(len(c) for c in row)):
                lines.append('|' + '|'.join(pad(c[r] if r < len(c) else '', x) for c, x in zip(row, widths)) + '|')
            lines.append(sep)
    elif kind == 'tabs':
        lines.append('\t'.join(heads))
        for row in rows:
            for r in range(max(len(c) for c in row)):
                lines.append('\t'.join(c[r] if r < len(c) else '' for c in row))
    else:  # space-aligned, as pdftotext -layout
        gap = '  '
        lines.append(gap.join(pad(h, x) for h, x in zip(heads, widths)).rstrip())
        for row in rows:
            for r in range(max(len(c) for c in row)):
                lines.append(gap.join(pad(c[r] if r < len(c) else '', x) for c, x in zip(row, widths)).rstrip())
    return lines


def render(rec, layout, rng):
    """The document's text lines (form feeds between pages in the e-licence)."""
    style = rng.randint(0, 2)
    full = rng.random() < 0.5
    title = ('中华人民共和国跨地区增值电信业务经营许可证' if rec['_cross'] else '中华人民共和国增值电信业务经营许可证')
    num = rec['number']
    legal = rec['legal_representative']
    if layout == 'slips':
        if num[:1] in REGION_SLIPS:
            num = rng.choice(REGION_SLIPS[num[:1]]) + num[1:]
            rec['slips'].append(num)
        legal = legal.replace('·', rng.choice(DOT_SLIPS))
    issued, expires = date_text(rec['issued'], style), date_text(rec['expires'], style)
    issuer = rec['issuer']
    pages = []
    main = [title, '', f'经营许可证编号：{num}', '',
            '根据《中华人民共和国电信条例》及国家有关规定，经审查，准许你公司按照本经营许可证（正文和附件）载明的内容经营增值电信业务，特颁发增值电信业务经营许可证。', '']
    if layout == 'elicence':
        main += [f'公司名称：{rec["company"]}' + ' ' * rng.randint(2, 12) + f'法定代表人：{legal}', '',
                 '业务种类（服务项目）及覆盖范围：'] + service_lines(rec) + ['',
                 f'发证机关（盖章）：{issuer}',
                 f'发证日期：{issued}' + ' ' * rng.randint(2, 10) + f'有效期至：{expires}']
    else:
        main += [f'公司名称：{rec["company"]}', '', f'法定代表人：{legal}', '',
                 '业务种类（服务项目）及覆盖范围：'] + service_lines(rec) + ['',
                 f'发证机关（盖章）：{issuer}', '', f'发证日期：{issued}', '', f'有效期至：{expires}']
    pages.append(main)
    for code, name, scope, _ in rec['_services']:
        sites = [w for w in rec['websites'] if w['service'] == code]
        if not sites:
            continue
        head = f'{name}({scope})' if scope.startswith('仅限') else name
        page = [f'经营许可证编号：{num}', title, '（附页）', '', f'{rec["company"]}获准经营{head}相关信息', '']
        if layout in ('box', 'ascii'):
            page += table(rec, sites, layout, rng)
        elif layout == 'columns':
            page += table(rec, sites, rng.choice(['spaces', 'tabs']), rng)
        else:
            for w in sites:
                page += site_block(rec, w, layout == 'slips') + ['']
        pages.append(page)
    prov = [f'经营许可证编号：{num}', '特别规定事项', '',
            f'《特别规定事项》是经营许可证重要组成部分，{rec["company"]}应当按照经营许可证载明的许可事项开展经营活动，并遵守下列规定事项：', '']
    for p in rec['provisions']:
        numeral = NUMERALS[p['no'] - 1]
        if layout == 'slips' and numeral in NUMERAL_SLIPS:
            numeral = rng.choice(NUMERAL_SLIPS[numeral])
            rec['slips'].append(numeral + '、')
        prov.append(f'{numeral}、{p["text"]}')
    # the provisions run over two pages
    cut = len(prov) - len(rec['provisions']) // 2
    pages += [prov[:cut], [f'经营许可证编号：{num}', '特别规定事项', ''] + prov[cut:]]
    if layout == 'elicence':
        printed = f'打印日期：{rng.randint(2024, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}'
        total = len(pages)
        foot_style = rng.randint(0, 2)
        out = []
        for n, page in enumerate(pages, 1):
            foot = [f'第 {n} 页 共 {total} 页', f'- {n} -', f'{n}/{total}'][foot_style]
            out.append('\n'.join([' ' * 20 + issuer, ''] + page +
                                 ['', ' ' * 30 + printed, ' ' * 36 + foot]))
        text = '\f'.join(out) + '\n'
    else:
        text = '\n\n'.join('\n'.join(p) for p in pages) + '\n'
    if full:
        text = text.translate(FULL)
    return text


def expected(rec):
    return {k: v for k, v in rec.items() if not k.startswith('_')}


def generate(seed, count, layouts=LAYOUTS):
    """count documents per layout: [(name, bytes, expected record)]."""
    rng = random.Random(seed)
    docs = []
    for layout in layouts:
        for k in range(count):
            rec = licence(rng, seed, k, layout)
            text = render(rec, layout, rng)
            data = text.encode('gb18030' if rng.random() < 0.15 else 'utf-8')
            docs.append((f'{layout}_{k:03d}', data, expected(rec)))
    return docs


def main():
    out, count = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[sys.argv.index('--seed') + 1])
    layouts = (sys.argv[sys.argv.index('--layouts') + 1].split(',') if '--layouts' in sys.argv
               else LAYOUTS)
    os.makedirs(out, exist_ok=True)
    for name, data, rec in generate(seed, count, layouts):
        with open(os.path.join(out, name + '.txt'), 'wb') as f:
            f.write(data)
        with open(os.path.join(out, name + '.json'), 'w', encoding='utf-8') as f:
            json.dump(rec, f, ensure_ascii=False, indent=1)


if __name__ == '__main__':
    main()
