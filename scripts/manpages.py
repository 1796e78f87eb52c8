#!/usr/bin/python3
"""Writes the man pages xuke(1) and xuke-COMMAND(1) from the built binary's own --help, so a
page cannot say other than the command does: `xuke --help` gives the commands, `xuke COMMAND
--help` each command's usage, description and options, and every subcommand named in the usage
(`xuke event add`, `xuke calendar import`) is asked for its --help too and gets a section.

usage: manpages.py XUKE_BINARY OUT_DIR VERSION"""
import datetime
import os
import re
import subprocess
import sys

XUKE, OUT, VERSION = sys.argv[1], sys.argv[2], sys.argv[3]
# a fixed date keeps the pages reproducible (SOURCE_DATE_EPOCH when the packaging sets it)
DATE = datetime.datetime.fromtimestamp(int(os.environ.get('SOURCE_DATE_EPOCH', '1767225600')),
                                       datetime.timezone.utc).strftime('%Y-%m-%d')


def helptext(*args):
    p = subprocess.run([XUKE, *args, '--help'], capture_output=True, timeout=30,
                       env=dict(os.environ, LC_ALL='C.UTF-8'))
    if p.returncode != 0:
        sys.exit(f'manpages.py: xuke {" ".join(args)} --help failed: {p.stderr.decode()}')
    return p.stdout.decode('utf-8')


def esc(text):
    """Text for roff: backslashes, hyphens of options, and a line-leading dot or quote."""
    text = text.replace('\\', '\\e').replace('-', '\\-')
    return '\n'.join(('\\&' + l) if l[:1] in ('.', "'") else l for l in text.split('\n'))


def parse(text):
    """usage lines, description paragraphs, options [(left, help)] of one --help."""
    usage, about, opts = [], [], []
    part = 'usage'
    for line in text.rstrip('\n').split('\n'):
        if part == 'usage' and line.startswith('usage: '):
            usage.append(line[len('usage: '):])
        elif part == 'usage' and line.startswith('       ') and usage:
            usage.append(line.strip())
        elif line == 'options:':
            part = 'options'
        elif part == 'options' and re.match(r'^  \S', line):
            m = re.match(r'^  (.*?)(?:\s{2,}(.*))?$', line)
            opts.append([m.group(1), m.group(2) or ''])
        elif part == 'options' and line.startswith('    ') and opts:
            opts[-1][1] += ' ' + line.strip()
        else:
            part = 'about' if part != 'options' else part
            about.append(line)
    # usage lines may go on over indented lines: join them to the line they continue
    joined = []
    for u in usage:
        if joined and not u.startswith('xuke '):
            joined[-1] += ' ' + u
        else:
            joined.append(u)
    paras = [p.strip().replace('\n', ' ') for p in '\n'.join(about).strip().split('\n\n') if p.strip()]
    return joined, paras, opts


def section(out, text, title=None):
    usage, paras, opts = parse(text)
    if title:
        out.append(f'.SS "{esc(title)}"')
    else:
        out.append('.SH SYNOPSIS')
    for u in usage:
        out.append('.PP\n' + esc(u))
    if not title:
        out.append('.SH DESCRIPTION')
    for p in paras:
        out.append('.PP\n' + esc(p))
    if opts:
        out.append('.PP\nOptions:' if title else '.SH OPTIONS')
        for left, helpline in opts:
            out.append('.TP\n.B ' + esc(left) + '\n' + esc(helpline))


def subcommands(command, usage):
    subs = []
    for u in usage:
        m = re.match(rf'xuke {re.escape(command)} ([a-z][a-z-]*)\b', u)
        if m and m.group(1) not in subs:
            subs.append(m.group(1))
    return subs


def page(name, summary, body):
    title = esc(name.upper())
    head = [f'.TH {title} 1 {DATE} "xuke {VERSION}" "User Commands"',
            '.SH NAME', f'{esc(name)} \\- {esc(summary)}']
    with open(os.path.join(OUT, name + '.1'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(head + body) + '\n')


def main():
    os.makedirs(OUT, exist_ok=True)
    top = helptext()
    commands = re.findall(r'^  ([a-z]+)\s+(.*)$', top.split('commands:', 1)[1], re.M)
    body = ['.SH SYNOPSIS', '.B xuke', '.I COMMAND', '[\\fIOPTIONS\\fR] ...', '.SH DESCRIPTION',
            '.PP', esc(top.split('\n', 1)[0]), '.SH COMMANDS']
    for name, summary in commands:
        body += ['.TP', f'.BR xuke\\-{name} (1)', esc(summary)]
    body += ['.SH ENVIRONMENT', '.TP', '.B XUKE_DB', 'the registry when no \\-\\-db is given',
             '.TP', '.B XUKE_CALENDAR', 'the holiday calendar when no \\-\\-calendar is given',
             '.TP', '.B XUKE_UTC_OFFSET', 'show times at this offset (+08:00 by default)',
             '.SH FILES', '.TP', '.I /etc/xuke/xuke.conf',
             'the service\'s configuration (xuke serve \\-\\-config)', '.TP',
             '.I /etc/xuke/calendar.txt', 'the holiday calendar of an installed package',
             '.TP', '.I /var/lib/xuke/xuke.db', 'the registry of the service',
             '.SH "SEE ALSO"', ', '.join(f'.BR xuke\\-{n} (1)' for n, _ in commands)]
    # .BR items joined by commas need a line each
    body[-1:] = [f'.BR xuke\\-{n} (1){"," if i + 1 < len(commands) else ""}'
                 for i, (n, _) in enumerate(commands)]
    page('xuke', top.split('\n', 1)[0].split(': ', 1)[1], body)
    for name, summary in commands:
        text = helptext(name)
        out = []
        section(out, text)
        usage, _, _ = parse(text)
        subs = subcommands(name, usage)
        if subs:
            out.append('.SH SUBCOMMANDS')
            for sub in subs:
                section(out, helptext(name, sub), f'xuke {name} {sub}')
        out += ['.SH "SEE ALSO"', '.BR xuke (1)']
        page(f'xuke-{name}', summary, out)


main()
