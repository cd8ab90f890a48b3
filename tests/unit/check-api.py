#!/usr/bin/env python3
# check-api.py: the rules the public API keeps, checked on every build
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# TAP output, one test per rule:
#
# 1. Every function a public header declares carries an availability macro
#    (RELAY_AVAILABLE_IN_x_y), so RELAY_VERSION_MIN_REQUIRED/MAX_ALLOWED and
#    symbol visibility apply to all of it.
# 2. Every public function, type, enum and macro has a doc comment block.
# 3. Every typed resolve (relay_promise_resolve_T) and typed job return
#    (relay_job_return_T) has its typed getter (relay_promise_get_T).
# 4. Every enumeration and flags member carries its type's prefix
#    (RelayPromiseState -> RELAY_PROMISE_STATE_; a flags type drops its
#    trailing "Flags", as GLib's do: RelayMapFlags -> RELAY_MAP_).
# 5. g-ir-scanner --warn-all, run here on the installed-header set and the
#    sources, prints no warning.
#
# Usage: check-api.py --source-root DIR --build-root DIR --gir Relay-1.0.gir

import argparse
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

CORE = '{http://www.gtk.org/introspection/core/1.0}'
C = '{http://www.gtk.org/introspection/c/1.0}'

results = []


def check(ok, name, problems=()):
    results.append((ok, name, list(problems)))


def strip_comments(text):
    return re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'),
                  text, flags=re.S)


def public_headers(source_root, build_root):
    headers = sorted((source_root / 'include' / 'relay').glob('*.h'))
    headers += sorted((build_root / 'include' / 'relay').glob('*.h'))
    return headers


def declared_functions(header):
    """Yields (name, text of the declaration before the name) for each
    function prototype in @header."""
    code = strip_comments(header.read_text())
    code = re.sub(r'^\s*#.*?(?<!\\)$', '', code, flags=re.M | re.S)
    for statement in re.split(r'[;{}]', code):
        m = re.search(r'\b(relay_\w+)\s*\(', statement)
        if m is None or '(*' in statement[:m.start()]:
            continue
        prefix = statement[:m.start()]
        if 'typedef' in prefix or not prefix.strip():
            continue
        yield m.group(1), prefix


def documented_names(source_root):
    names = set()
    for path in list((source_root / 'include').rglob('*.h')) + \
            list((source_root / 'include').rglob('*.h.in')) + \
            list((source_root / 'src').glob('*.c')):
        for m in re.finditer(r'/\*\*\s*\n\s*\*\s*([\w:.-]+):', path.read_text()):
            names.add(m.group(1))
    return names


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--source-root', required=True, type=pathlib.Path)
    parser.add_argument('--build-root', required=True, type=pathlib.Path)
    parser.add_argument('--gir', required=True, type=pathlib.Path)
    parser.add_argument('--scanner', default='g-ir-scanner')
    args = parser.parse_args()
    args.source_root = args.source_root.resolve()
    args.build_root = args.build_root.resolve()

    headers = public_headers(args.source_root, args.build_root)
    functions = {}
    for header in headers:
        for name, prefix in declared_functions(header):
            functions[name] = (header.name, prefix)

    # 1. availability macros
    missing = [f'{name} ({header})' for name, (header, prefix) in sorted(functions.items())
               if not re.search(r'\bRELAY_(AVAILABLE_IN|DEPRECATED_IN)_\w+', prefix)]
    check(not missing and len(functions) > 50,
          f'{len(functions)} public functions, each with RELAY_AVAILABLE_IN_*', missing)

    # 2. doc comments: functions, and the types and enums the GIR names
    gir = ET.parse(args.gir).getroot()
    namespace = gir.find(CORE + 'namespace')
    types = set()
    for kind in ('class', 'record', 'enumeration', 'bitfield', 'callback'):
        for element in namespace.findall(CORE + kind):
            if element.get(CORE + 'is-gtype-struct-for') or element.get('glib:is-gtype-struct-for'):
                continue
            ctype = element.get(C + 'type')
            if ctype and not ctype.endswith('Class'):
                types.add(ctype)
    documented = documented_names(args.source_root)
    # The enums' _get_type functions come from glib-mkenums, as in GLib.
    undocumented = sorted(n for n in list(functions) + sorted(types)
                          if n not in documented and not n.endswith('_get_type'))
    check(not undocumented, f'{len(functions) + len(types)} public functions and types, each with a doc comment',
          undocumented)

    # 3. typed resolve -> typed getter
    untyped = {'values', 'value', 'error', 'new_error', 'error_if_cancelled'}
    resolves = [n for n in functions if n.startswith('relay_promise_resolve_')]
    returns = [n for n in functions if n.startswith('relay_job_return_')]
    lacking = []
    for name in resolves + returns:
        kind = name.rsplit('_resolve_' if '_resolve_' in name else '_return_', 1)[1]
        if kind in untyped:
            continue
        if f'relay_promise_get_{kind}' not in functions:
            lacking.append(f'{name} has no relay_promise_get_{kind}')
    check(not lacking and len(resolves) >= 6,
          f'{len(resolves)} typed resolves and {len(returns)} job returns, each with its getter', lacking)

    # 4. enum prefixes
    wrong = []
    n_members = 0
    for kind in ('enumeration', 'bitfield'):
        for element in namespace.findall(CORE + kind):
            ctype = element.get(C + 'type')
            base = ctype[:-len('Flags')] if kind == 'bitfield' and ctype.endswith('Flags') else ctype
            prefix = re.sub(r'(?<=[a-z0-9])(?=[A-Z])', '_', base).upper() + '_'
            for member in element.findall(CORE + 'member'):
                n_members += 1
                identifier = member.get(C + 'identifier')
                if not identifier.startswith(prefix):
                    wrong.append(f'{identifier} (of {ctype}) lacks {prefix}')
    check(not wrong and n_members > 0, f'{n_members} enumeration members, each with its type prefix', wrong)

    # 5. the scanner, with every warning on, says nothing
    scanner = shutil.which(args.scanner)
    if scanner is None:
        check(False, 'g-ir-scanner --warn-all is silent', [f'{args.scanner} not found'])
    else:
        filelist = args.build_root / 'src' / 'librelay-1.0.so.0.0.0.p' / 'Relay_1.0_gir_filelist'
        with tempfile.TemporaryDirectory() as tmp:
            command = [
                scanner, '--quiet', '--no-libtool', '--warn-all',
                '--namespace=Relay', '--nsversion=1.0',
                '--identifier-prefix=Relay', '--symbol-prefix=relay',
                '--c-include=relay/relay.h', '--pkg-export=relay-1.0',
                '--include=GObject-2.0', '--include=Gio-2.0',
                '-DRELAY_COMPILATION',
                f'-I{args.source_root / "include"}', f'-I{args.build_root / "include"}',
                f'-I{args.source_root / "include" / "relay"}', f'-I{args.build_root / "include" / "relay"}',
                f'-L{args.build_root / "src"}', '--library=relay-1.0',
                f'--filelist={filelist}',
                '--output', os.path.join(tmp, 'Relay-1.0.gir'),
            ]
            # The file list names paths relative to the build directory.
            run = subprocess.run(command, cwd=args.build_root, capture_output=True, text=True,
                                 env=dict(os.environ, GI_SCANNER_DISABLE_CACHE='1'))
            output = (run.stdout + run.stderr).strip()
            lines = [line for line in output.splitlines() if line.strip()]
            check(run.returncode == 0 and not lines, 'g-ir-scanner --warn-all is silent',
                  lines or ([f'exit status {run.returncode}'] if run.returncode else []))

    print(f'1..{len(results)}')
    for i, (ok, name, problems) in enumerate(results, 1):
        print(f'{"ok" if ok else "not ok"} {i} - {name}')
        for problem in problems:
            print(f'#   {problem}')
    return 0 if all(ok for ok, _, _ in results) else 1


if __name__ == '__main__':
    sys.exit(main())
