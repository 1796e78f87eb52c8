"""Field-by-field scoring of a record read from a scan against the expected record: which
fields are right, which are wrong, and whether each wrong one was flagged for review (a
"needs review: <field>" warning). Used by the OCR tests and the OCR benchmark.

A field is one of: number, region, category, issuer, company, legal_representative, issued,
expires; each service (by code: name, scope lists, coverage); each website (by position: service,
name, domains, server, access provider); each special provision (by number: text and items)."""
import re

SCALARS = ('number', 'region', 'category', 'issuer', 'company', 'legal_representative',
           'issued', 'expires')
# the review warning's field label → the fields it covers
FLAG_LABELS = [
    (r'经营许可证编号', ('number', 'region', 'category', 'issuer')),
    (r'公司名称', ('company',)),
    (r'法定代表人', ('legal_representative',)),
    (r'发证日期', ('issued',)),
    (r'有效期至', ('expires',)),
]


def fields(rec):
    out = {k: rec.get(k) for k in SCALARS}
    for s in rec.get('services', []):
        out['service ' + s['code']] = (s.get('name'), s.get('limited_to'), s.get('includes'),
                                       s.get('excludes'), s.get('coverage'))
    for i, w in enumerate(rec.get('websites', [])):
        out[f'website {i + 1}'] = (w.get('service'), w.get('name'), w.get('domains'),
                                   w.get('server_location'), w.get('access_provider'))
    for p in rec.get('provisions', []):
        out[f'provision {p["no"]}'] = (p.get('text'), [(i['no'], i['text']) for i in p.get('items', [])])
    return out


def flagged(warnings):
    names = set()
    for w in warnings:
        if not w.startswith('needs review: '):
            continue
        # the field the warning names: what stands before its first ": " (the text read, quoted
        # after it, may hold another field's label, which flags nothing)
        head = w[len('needs review: '):].split(': ', 1)[0]
        if head == 'whole document':  # every field is to be checked
            names.add('*')
        for pattern, covered in FLAG_LABELS:
            if re.search(pattern, head):
                names.update(covered)
        m = re.search(r'业务种类 (B\d\d)', head)
        if m:
            names.add('service ' + m.group(1))
        m = re.search(r'网站 (\d+)', head)
        if m:
            names.add('website ' + m.group(1))
        m = re.search(r'(?:特别规定事项|special provision|of provision) (\d+)', head)
        if m:
            names.add('provision ' + m.group(1))
    return names


def score(expected, got):
    """got: the record (dict) or None when the document was refused. Returns a dict of
    counts and the names of wrong fields, split by flagged / unflagged."""
    want = fields(expected)
    if got is None:
        return {'fields': len(want), 'right': 0, 'wrong_flagged': [], 'wrong_unflagged': [],
                'right_flagged': 0, 'right_fields': [], 'right_flagged_fields': [], 'refused': True}
    have, flags = fields(got), flagged(got.get('warnings', []))
    if '*' in flags:
        flags = set(want) | set(have)
    right, wf, wu, rf, rnames, rfnames = 0, [], [], 0, [], []
    for name, value in want.items():
        if have.get(name) == value:
            right += 1
            rf += name in flags
            rnames.append(name)
            if name in flags:
                rfnames.append(name)
        elif name in flags:
            wf.append(name)
        else:
            wu.append(name)
    # a field the reader invented (a service or website that is not there) is wrong too
    for name in have:
        if name not in want:
            (wf if name in flags else wu).append(name + ' (extra)')
    return {'fields': len(want), 'right': right, 'wrong_flagged': wf, 'wrong_unflagged': wu,
            'right_flagged': rf, 'right_fields': rnames, 'right_flagged_fields': rfnames,
            'refused': False}
