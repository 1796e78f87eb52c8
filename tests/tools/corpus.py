"""Synthetic licence documents in the seeds' layout, varied in every field the extractor reads:
region, category, number, company, legal representative, services and qualifiers, dates (and
their printed forms), websites and domains, and the number of provisions. Deterministic for a
given seed, so benchmarks and tests are repeatable.

usage: corpus.py OUT_DIR COUNT [--seed N] [--jsonl FILE]   (documents as OUT_DIR/NNNNNNN.txt)
   or: import corpus; corpus.document(i) -> (text, facts); corpus.write(dir, count, seed) -> facts"""
import os
import random
import sys

REGIONS = ['京', '津', '冀', '晋', '蒙', '辽', '吉', '黑', '沪', '苏', '浙', '皖', '闽', '赣', '鲁',
           '豫', '鄂', '湘', '粤', '桂', '琼', '渝', '川', '贵', '云', '藏', '陕', '甘', '青', '宁', '新']
CITIES = ['北京', '上海', '广州', '深圳', '杭州', '南京', '成都', '武汉', '西安', '海口', '厦门', '苏州']
WORDS = ['小荷', '佰易', '好美', '星河', '启明', '云栈', '蓝海', '青禾', '天衡', '瑞丰', '嘉禾', '明远',
         '华信', '万象', '安泰', '博雅', '智联', '远航', '新程', '汇通', '融创', '锦程', '鼎盛', '长风']
KINDS = ['网络技术', '信息技术', '科技', '数据服务', '互联网医院', '电子商务', '文化传媒', '健康网络技术']
SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗'
GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华'
B2_SERVICES = [
    ('B25', '信息服务业务(仅限互联网信息服务)', '不含信息搜索查询服务、信息即时交互服务。'),
    ('B21', '在线数据处理与交易处理业务(仅限经营类电子商务)', '不含网络借贷信息中介类的互联网金融业务。'),
    ('B24', '呼叫中心业务', ''),
    ('B23', '存储转发类业务', ''),
]
B1_SERVICES = [
    ('B11', '互联网数据中心业务(不含互联网资源协作服务)', ''),
    ('B12', '内容分发网络业务', ''),
    ('B14', '互联网接入服务业务', ''),
]
TLDS = ['cn', 'com', 'com.cn', 'net', 'net.cn']
CONDITION = '【依法须经批准的项目，经相关部门批准后方可开展相应经营活动】'
PROVISIONS = [
    '你公司应当按照《中华人民共和国电信条例》等法律法规要求，严格执行行业管理规定。',
    '你公司应当按照许可的业务种类和业务覆盖范围，依法开展业务经营活动。你公司应当在网站主页等显著位置标明经营许可证编号。',
    '你公司应当配合国家有关部门依法开展监督检查工作，对发现的违法信息立即进行处置，并在处置后的10个工作日内向电信主管部门上报。',
    '你公司或者经你公司授权经营电信业务的子公司，遇有合并或者分立等情形，应当自公司作出决定之日起30日内向我部提出申请。',
    '你公司经营许可证有效期届满需要继续经营的，应当提前90日向原发证机关提出续办申请。',
    '你公司应当在每年第一季度参加电信主管部门组织的经营许可证年报。',
]


def date_text(y, m, d, style):
    if style == 0:
        return f'{y}年{m:02d}月{d:02d}日'
    if style == 1:
        return f'{y}年 {m}月 {d}日'
    return f'{y}-{m:02d}-{d:02d}'


def document(i, rng=None):
    rng = rng or random.Random(i)
    # (region, year, serial) is unique for i below 3.52 million, so every number is
    serial, year, reg = i % 10000, 2015 + (i // 10000) % 11, (i // 110000) % 32
    cross = reg == 31
    region = '' if cross else REGIONS[reg]
    first_class = rng.random() < 0.15
    category = 'B1' if first_class else 'B2'
    number = f'{region}{category}-{year}{serial:04d}'
    company = f'{rng.choice(CITIES)}{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.choice(KINDS)}有限公司'

    legal = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
    pool = B1_SERVICES if first_class else B2_SERVICES
    services = rng.sample(pool, rng.randint(1, min(3, len(pool))))
    issue_year = year + rng.randint(0, 1)
    im, iday = rng.randint(1, 12), rng.randint(1, 28)
    ey = issue_year + 5
    style = rng.randint(0, 2)
    lines = ['', '中华人民共和国', '增值电信业务经营许可证', '', f'经营许可证编号：{number}', '',
             f'公司名称：{company}', '', f'法定代表人：{legal}', '', '业务种类', '(服务项目)', '及覆盖范围：', '']
    for code, name, extra in services:
        lines.append(name)
        if extra:
            lines.append(extra)
        lines.append(CONDITION)
        if cross:
            lines.append('业务覆盖范围：全国')
        lines.append('')
    lines += ['发证机关(盖章)：', '', f'发证日期：{date_text(issue_year, im, iday, style)}', '',
              f'有效期至：{date_text(ey, im, iday, style)}', '']
    domains = []
    web_services = [s for s in services if s[0] in ('B21', 'B25')]
    if web_services:
        lines += [f'经营许可证编号：{number}', '中华人民共和国增值电信业务经营许可证', '(附页)', '']
        for code, name, _ in web_services:
            lines.append(f'{company}获准经营{name}相关信息')
            lines.append('')
            for k in range(rng.randint(1, 2)):
                host = f'site{i}x{k}{code.lower()}.{rng.choice(TLDS)}'
                domains.append(host)
                lines += [f'网站名称：{rng.choice(WORDS)}{rng.choice(WORDS)}', '', f'网站域名：{host}', '',
                          f'服务器放置地：{rng.choice(CITIES)}市', '', '网站接入服务提供单位：阿里云计算有限公司', '']
    lines += [f'经营许可证编号：{number}', '', '特别规定事项', '',
              f'《特别规定事项》是经营许可证重要组成部分，{company}应当按照经营许可证载明的许可事项开展经营活动，并遵守下列规定事项：', '']
    numerals = '一二三四五六七八九十'
    for k, text in enumerate(PROVISIONS[: rng.randint(3, len(PROVISIONS))]):
        lines += [f'{numerals[k]}、{text}', '']
    facts = dict(number=number, company=company, legal_representative=legal,
                 services=[s[0] for s in services], domains=domains,
                 issued=f'{issue_year}-{im:02d}-{iday:02d}', expires=f'{ey}-{im:02d}-{iday:02d}')
    return '\n'.join(lines) + '\n', facts


def write(directory, count, seed=0):
    """Documents seed .. seed+count-1 as directory/NNNNNNN.txt (in input order); their facts."""
    os.makedirs(directory, exist_ok=True)
    facts = []
    for i in range(count):
        text, f = document(i + seed)
        facts.append(f)
        with open(os.path.join(directory, f'{i:07d}.txt'), 'w', encoding='utf-8') as fh:
            fh.write(text)
    return facts


def main():
    out, count = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[sys.argv.index('--seed') + 1]) if '--seed' in sys.argv else 0
    write(out, count, seed)


if __name__ == '__main__':
    main()
