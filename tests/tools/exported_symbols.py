"""Every symbol the xuke libraries export carries the project's prefix `xk_`, as SQLite's all
carry `sqlite3`: a program linking the libraries then cannot collide with them, and a helper
meant for one file cannot be called from another by accident. Reads `nm` of each static library
given and fails naming every other external symbol and the object that defines it.

Names beginning with two underscores are the compiler's own (sanitizer and coverage
instrumentation adds them); C reserves them, so project code cannot define one.

usage: exported_symbols.py NM LIBRARY.a..."""
import subprocess
import sys

PREFIX = 'xk_'
DEFINED = set('TDBRCGSVWiu')  # nm's letters for defined code, data, bss, common, weak


def exported(nm, library):
    """(object, symbol) for every external symbol the library's objects define."""
    out = subprocess.run([nm, '-A', '-P', '-g', '--defined-only', library], check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 3 or fields[2] not in DEFINED:
            continue
        where, name = fields[0].rstrip(':'), fields[1]
        yield where, name


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.splitlines()[-1])
    nm, libraries = sys.argv[1], sys.argv[2:]
    passed = failed = 0
    for library in libraries:
        bad = [(w, n) for w, n in exported(nm, library)
               if not n.startswith(PREFIX) and not n.startswith('__')]
        count = sum(1 for _ in exported(nm, library))
        if count == 0:
            print(f'FAIL {library}: nm lists no symbols at all')
            failed += 1
        elif bad:
            print(f'FAIL {library}: {len(bad)} exported symbols without the {PREFIX} prefix '
                  '(make them static or prefix them):')
            for where, name in bad:
                print(f'     {name}  ({where})')
            failed += 1
        else:
            print(f'ok   {library}: {count} exported symbols, all {PREFIX}')
            passed += 1
    print(f'{passed} passed, {failed} failed')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
