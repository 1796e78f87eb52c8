"""Held-out licences for the OCR benchmark: new licences in the layout of the issued ones, that no
repair, table or wording of the reader was developed against. Every name, number, date, service,
website and print is drawn from a random generator seeded apart from any tuning set (the tuning
sets are the fixtures and corpus.py's documents 0-23); the special provisions are the printed
form's text as it stands on one of the four source licences (tests/fixtures/seeds/*.txt, the
documents, not their expected records), under the new company's name.

Each licence also says how it is printed: one of three CJK faces (Noto Serif CJK SC, Noto Sans CJK
SC, AR PL UMing CN), 150-300 dpi, 12-14 pt; the damage (tilt up to 2°, noise, blur, JPEG, a phone
photo: uneven light, slight perspective) is the style the benchmark asks for (render.py).

usage as a module: heldout.licences(n, seed) -> [(name, text, facts, print_)]
usage as a script: heldout.py OUT_DIR N [--seed S]   (writes OUT_DIR/heldout_NNN.txt)"""
import glob
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, '..', 'fixtures', 'seeds')
SEED = 20261206  # the held-out set; never used for tuning

FONTS = ('Noto Serif CJK SC', 'Noto Sans CJK SC', 'AR PL UMing CN')
REGIONS = ('京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新')
PLACES = ('北京', '天津', '石家庄', '太原', '沈阳', '长春', '哈尔滨', '上海', '南京', '杭州', '合肥',
          '福州', '南昌', '济南', '郑州', '武汉', '长沙', '广州', '南宁', '海口', '重庆', '成都', '贵阳',
          '昆明', '西安', '兰州', '西宁', '银川', '乌鲁木齐', '青岛', '宁波', '厦门', '无锡', '佛山')
# syllables for company and website names: common words of Chinese trade names, none of them
# among corpus.py's or the fixtures' names
NAME_PARTS = ('森', '悦', '川', '岚', '宸', '禾', '铭', '泽', '翼', '朗', '晟', '坤', '煜', '璟',
              '卓', '峰', '语', '晴', '迈', '拓', '优', '聚', '诺', '嘉', '凯', '航', '康', '润',
              '乐', '途', '象', '集', '橙', '麦', '贝', '鲸', '狐', '鹿', '鸣', '舟')
TRADES = ('网络科技', '信息科技', '数字科技', '软件', '电子商务', '文化传播', '教育科技', '健康科技',
          '智能科技', '互联网技术', '传媒', '供应链管理')
FORMS = ('有限公司', '有限公司', '有限公司', '股份有限公司', '科技有限公司')
SURNAMES = '赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦许何吕施张孔曹严华金魏陶姜谢邹喻柏窦章苏潘葛范彭鲁马'
GIVEN = '一丹子文嘉志国建晓海晨思雨欣宇浩轩梓涵博睿鑫磊婷雪峰霖宁琳雅'
PROVIDERS = ('阿里云计算有限公司', '腾讯云计算（北京）有限责任公司', '华为云计算技术有限公司',
             '北京百度网讯科技有限公司', '中国电信股份有限公司', '中国联合网络通信有限公司',
             '北京金山云网络技术有限公司', '优刻得科技股份有限公司')
TLDS = ('com', 'cn', 'com.cn', 'net', 'top', 'net.cn', 'cc')
LATIN = 'abcdefghijklmnopqrstuvwxyz'
# (code, name as printed, qualifier line or '') — catalogue names (电信业务分类目录, 2015)
SERVICES = (
    ('B25', '信息服务业务（仅限互联网信息服务）', '不含信息搜索查询服务、信息即时交互服务。'),
    ('B25', '信息服务业务（不含固定网电话信息服务和互联网信息服务）', ''),
    ('B21', '在线数据处理与交易处理业务（仅限经营类电子商务）', '不含网络借贷信息中介类的互联网金融业务。'),
    ('B24', '呼叫中心业务', ''),
    ('B23', '存储转发类业务', ''),
    ('B22', '国内多方通信服务业务', ''),
)
CONDITION = '【依法须经批准的项目，经相关部门批准后方可开展相应经营活动】'


def seed_provisions():
    """The 特别规定事项 section of each source licence, page furniture removed: (company, text)."""
    out = []
    for path in sorted(glob.glob(os.path.join(SEEDS, '*.txt'))):
        text = open(path, encoding='utf-8').read()
        company = re.search(r'公司名称[:：]\s*(\S+)', text).group(1)
        section = text[text.index('特别规定事项'):]
        # a page break inside the section: the running number and heading repeat
        section = re.sub(r'\n+\s*(经营许可证编号[:：]?\s*\S*|\S*B2-\d+)\s*\n+\s*特别规定事项\s*\n+', '', section)
        out.append((company.replace('(', '（').replace(')', '）'), section))
    return out


def date_text(rng, y, m, d):
    return rng.choice((f'{y}年{m:02d}月{d:02d}日', f'{y}年 {m:02d}月 {d:02d}日', f'{y}年{m}月{d}日'))


def name(rng, lo, hi):
    return ''.join(rng.choice(NAME_PARTS) for _ in range(rng.randint(lo, hi)))


def licence(rng, provisions):
    region = rng.choice(REGIONS)
    year = rng.randint(2018, 2025)
    number = f'{region}B2-{year}{rng.randint(0, 9999):04d}'
    place = rng.choice(PLACES)
    company = f'{place}{name(rng, 2, 3)}{rng.choice(TRADES)}{rng.choice(FORMS)}'
    legal = rng.choice(SURNAMES) + ''.join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
    picked, codes = [], set()
    for s in rng.sample(SERVICES, rng.randint(1, 3)):
        if s[0] not in codes:
            picked.append(s)
            codes.add(s[0])
    issued = (year + rng.randint(0, 1), rng.randint(1, 12), rng.randint(1, 28))
    expires = (issued[0] + 5, issued[1], issued[2])
    lines = ['', '中华人民共和国', '增值电信业务经营许可证', '', f'经营许可证编号：{number}', '',
             '根据《中华人民共和国电信条例》及国家有关规定，经审查，准许你公司按照本经营许可证（正文和附件）'
             '载明的内容经营增值电信业务，特颁发增值电信业务经营许可证。', '',
             f'公司名称：{company}', '', f'法定代表人：{legal}', '', '业务种类', '(服务项目)', '及覆盖范围：', '']
    for code, title, extra in picked:
        lines += [title] + ([extra] if extra else []) + [CONDITION, '']
    lines += ['发证机关(盖章)：', '', f'发证日期：{date_text(rng, *issued)}', '',
              f'有效期至：{date_text(rng, *expires)}', '']
    domains = []
    web = [s for s in picked if s[0] == 'B21' or '仅限互联网信息服务' in s[1]]
    if web:
        lines += [f'经营许可证编号：{number}', '', '中华人民共和国增值电信业务经营许可证', '(附页)', '']
        for code, title, _ in web:
            lines += [f'{company}获准经营{title}相关信息', '']
            for _ in range(rng.randint(1, 2)):
                host = ''.join(rng.choice(LATIN) for _ in range(rng.randint(4, 9))) + '.' + rng.choice(TLDS)
                domains.append(host)
                lines += [f'网站名称：{name(rng, 2, 4)}', '', f'网站域名：{host}', '',
                          f'服务器放置地：{rng.choice(PLACES)}市', '',
                          f'网站接入服务提供单位：{rng.choice(PROVIDERS)}', '']
    seed_company, section = rng.choice(provisions)
    lines += [f'经营许可证编号：{number}', '', section.replace(seed_company, company)]
    facts = dict(number=number, company=company, legal_representative=legal,
                 services=[s[0] for s in picked], domains=domains,
                 issued='%04d-%02d-%02d' % issued, expires='%04d-%02d-%02d' % expires)
    return '\n'.join(lines) + '\n', facts


def print_of(rng):
    return dict(font=rng.choice(FONTS), dpi=rng.choice((150, 200, 240, 300)), points=rng.choice((12, 13, 14)))


def licences(n, seed=SEED):
    rng = random.Random(seed)
    provisions = seed_provisions()
    return [(f'heldout_{i:03d}', *licence(rng, provisions), print_of(rng)) for i in range(n)]


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[sys.argv.index('--seed') + 1]) if '--seed' in sys.argv else SEED
    os.makedirs(out, exist_ok=True)
    for name_, text, _, print_ in licences(n, seed):
        with open(os.path.join(out, name_ + '.txt'), 'w', encoding='utf-8') as f:
            f.write(text)
        print(name_, print_)


if __name__ == '__main__':
    main()
