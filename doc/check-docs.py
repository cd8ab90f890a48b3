#!/usr/bin/env python3
# check-docs.py: fail when a public Relay symbol has no documentation
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Two independent checks; either can fail the test:
#
# 1. Sources (always): every name a public header declares (functions with the
#    export macro, callback and enum typedefs, G_DECLARE_FINAL_TYPE types,
#    documented macros) must have a gtk-doc comment block `/** name: ... */` in
#    include/relay/ or src/, and a function's block must describe each of its
#    parameters and, unless it returns void, its return value.
# 2. GIR (when --gir is given): every class, record, enumeration and member,
#    callback, function, constructor, method, property, signal and constant,
#    and every parameter and non-void return value, must carry a <doc> element.
#    The class structs that G_DECLARE_FINAL_TYPE generates are exempt: they are
#    not part of the API a reader needs.
# 3. Architecture (always): the table "Which file owns what" in
#    doc/guide/architecture.md has a row for every file in src/, and none for a
#    file that is gone, so that adding, removing or renaming a source file
#    cannot leave the page behind.
# 4. Layers (always): the rules of that page's "Layers" section, on the
#    includes of src/ and include/relay/ (followed through Relay's own
#    headers): the job knows nothing of the pool, the promise nothing of jobs,
#    pools or the GIO bridge, the dispatcher nothing above it, the notifier
#    only itself, and the GIO bridge only the public API. So no include cycle
#    between layers can come back unnoticed.
#
# Usage: check-docs.py --source-root DIR [--gir Relay-1.0.gir]

import argparse
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

CORE = '{http://www.gtk.org/introspection/core/1.0}'
GLIB = '{http://www.gtk.org/introspection/glib/1.0}'

# Macros that are plumbing rather than API.
UNDOCUMENTED_MACROS_OK = re.compile(
    r'^(RELAY_INSIDE|RELAY_TYPE_\w+|RELAY_AVAILABLE_IN_\w+|_RELAY_\w+)$')


# --------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------

def strip_comments(text):
    return re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'),
                  text, flags=re.S)


def public_declarations(header_text):
    """Yields (kind, name, params, returns_void) for one public header."""
    code = strip_comments(header_text)

    # Exported functions: RELAY_AVAILABLE_IN_x_y <return type> name (args);
    for m in re.finditer(r'RELAY_AVAILABLE_IN_\w+\s+([^;{]*?)\b(relay_\w+)\s*\(([^;]*?)\)\s*'
                         r'(?:G_GNUC_\w+\s*(?:\([^)]*\))?\s*)*;', code, flags=re.S):
        ret, name, args = m.group(1), m.group(2), m.group(3)
        params = []
        for arg in args.split(','):
            arg = arg.strip()
            if arg in ('void', ''):
                continue
            if arg == '...':
                params.append('...')
                continue
            pm = re.search(r'(\w+)\s*(\[\s*\])?$', arg)
            if pm:
                params.append(pm.group(1))
        yield ('function', name, params, ret.strip() == 'void')

    # G_DECLARE_FINAL_TYPE (RelayPool, relay_pool, ...)
    for m in re.finditer(r'G_DECLARE_\w+_TYPE\s*\(\s*(\w+)', code):
        yield ('type', m.group(1), [], True)

    # typedef enum { ... } Name;
    for m in re.finditer(r'typedef\s+enum\s*\{(.*?)\}\s*(\w+)\s*;', code, flags=re.S):
        members = re.findall(r'^\s*(RELAY_\w+)', m.group(1), flags=re.M)
        yield ('enum', m.group(2), members, True)

    # typedef ret (*Name) (args);
    for m in re.finditer(r'typedef\s+([^;]*?)\(\s*\*\s*(\w+)\s*\)\s*\(([^;]*?)\)\s*;', code,
                         flags=re.S):
        params = [re.search(r'(\w+)\s*$', a.strip()).group(1)
                  for a in m.group(3).split(',') if a.strip() not in ('void', '')]
        yield ('callback', m.group(2), params, m.group(1).strip() == 'void')

    # Macros
    for m in re.finditer(r'^#\s*define\s+(RELAY_\w+|_RELAY_\w+)', code, flags=re.M):
        if not UNDOCUMENTED_MACROS_OK.match(m.group(1)):
            yield ('macro', m.group(1), [], True)


def doc_blocks(texts):
    """Maps symbol name to the body of its `/** name: ... */` block."""
    blocks = {}
    for text in texts:
        for m in re.finditer(r'/\*\*\s*\n\s*\*\s*([\w:-]+):?(?:\s*\([^\n]*\))*\s*\n(.*?)\*/',
                             text, flags=re.S):
            blocks.setdefault(m.group(1).rstrip(':'), m.group(2))
    return blocks


def description(text):
    """The prose of a doc block: what is left without the @param: entries (a
    line starting with @ and its indented continuation lines) and the tags
    (Returns:, Since: ...) with theirs."""
    kept = []
    skipping = False
    for line in text.splitlines():
        if re.match(r'^(@[\w.]+|Returns|Since|Deprecated|Stability):', line):
            skipping = True
            continue
        if skipping and (line.startswith((' ', '\t')) and line.strip()):
            continue
        skipping = False
        kept.append(line)
    return '\n'.join(kept).strip()


def check_sources(root):
    problems = []
    headers = sorted((root / 'include' / 'relay').glob('*.h')) + \
        sorted((root / 'include' / 'relay').glob('*.h.in'))
    sources = sorted((root / 'src').glob('*.c'))
    texts = [p.read_text(encoding='utf-8') for p in headers + sources]
    blocks = doc_blocks(texts)
    n_symbols = 0

    for header in headers:
        if header.name == 'relay.h':
            continue
        for kind, name, params, returns_void in public_declarations(
                header.read_text(encoding='utf-8')):
            n_symbols += 1
            where = f'{header.relative_to(root)}: {kind} {name}'
            body = blocks.get(name)
            if body is None:
                problems.append(f'{where}: no doc comment')
                continue
            text = re.sub(r'^\s*\* ?', '', body, flags=re.M)
            for param in params:
                label = '@...' if param == '...' else f'@{param}'
                if not re.search(re.escape(label) + r'\s*:', text):
                    what = 'member' if kind == 'enum' else 'parameter'
                    problems.append(f'{where}: {what} {label} is not described')
            if kind in ('function', 'callback') and not returns_void and \
                    not re.search(r'^Returns:', text, flags=re.M):
                problems.append(f'{where}: the return value is not described')
            prose = description(text)
            if not prose:
                problems.append(f'{where}: the doc comment has no description')

    return n_symbols, problems


# --------------------------------------------------------------------------
# GIR
# --------------------------------------------------------------------------

def has_doc(element):
    doc = element.find(CORE + 'doc')
    return doc is not None and (doc.text or '').strip() != ''


def check_gir(path):
    problems = []
    n_symbols = 0
    namespace = ET.parse(path).getroot().find(CORE + 'namespace')

    def describe(element, parent=None):
        name = element.get('name') or element.get(CORE + 'name') or '?'
        tag = element.tag.replace(CORE, '').replace(GLIB, 'glib:')
        return f'{parent}.{name} ({tag})' if parent else f'{name} ({tag})'

    def check_callable(element, parent=None):
        nonlocal n_symbols
        n_symbols += 1
        label = describe(element, parent)
        if not has_doc(element):
            problems.append(f'{label}: no <doc>')
        params = element.find(CORE + 'parameters')
        if params is not None:
            for param in params:
                if param.tag in (CORE + 'parameter', CORE + 'instance-parameter') and \
                        not has_doc(param):
                    problems.append(f'{label}: parameter {param.get("name")} has no <doc>')
        ret = element.find(CORE + 'return-value')
        if ret is not None:
            rtype = ret.find(CORE + 'type')
            void = rtype is not None and rtype.get('name') == 'none'
            if not void and not has_doc(ret):
                problems.append(f'{label}: return value has no <doc>')

    callables = (CORE + 'function', CORE + 'method', CORE + 'constructor',
                 CORE + 'virtual-method', CORE + 'function-macro')

    for element in namespace:
        tag = element.tag
        if tag == CORE + 'record' and element.get(GLIB + 'is-gtype-struct-for'):
            continue
        if tag in callables or tag == CORE + 'callback':
            check_callable(element)
            continue
        if tag not in (CORE + 'class', CORE + 'interface', CORE + 'record',
                       CORE + 'enumeration', CORE + 'bitfield', CORE + 'constant',
                       CORE + 'alias', CORE + 'union'):
            continue

        n_symbols += 1
        if not has_doc(element):
            problems.append(f'{describe(element)}: no <doc>')
        owner = element.get('name')
        for child in element:
            if child.tag in callables:
                check_callable(child, owner)
            elif child.tag in (CORE + 'property', GLIB + 'signal', CORE + 'member'):
                n_symbols += 1
                if not has_doc(child):
                    problems.append(f'{describe(child, owner)}: no <doc>')
                if child.tag == GLIB + 'signal':
                    check_callable(child, owner)
                    n_symbols -= 1

    return n_symbols, problems


# --------------------------------------------------------------------------
# The architecture page
# --------------------------------------------------------------------------

def check_architecture(root):
    page = root / 'doc' / 'guide' / 'architecture.md'
    if not page.exists():
        return 0, [f'{page.relative_to(root)} is missing']
    listed = set(re.findall(r'^\|\s*`(src/[^`]+)`\s*\|', page.read_text(encoding='utf-8'),
                            flags=re.M))
    actual = {f'src/{p.name}' for p in (root / 'src').iterdir() if p.is_file()}
    where = page.relative_to(root)
    problems = [f'{where}: the file table has no row for {f}' for f in sorted(actual - listed)]
    problems += [f'{where}: the file table has a row for {f}, which does not exist'
                 for f in sorted(listed - actual)]
    return len(actual), problems


# --------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------

# (file name pattern, Relay headers it must not reach, directly or through
# other Relay headers, and why)
LAYER_RULES = [
    (r'^relay-job(-private)?\.[ch]$', r'^relay-pool', 'a job knows nothing of pools'),
    (r'^relay-promise.*\.[ch]$', r'^relay-(job|pool|gio)', 'the promise knows nothing of jobs, pools or the GIO bridge'),
    (r'^relay-dispatcher.*\.[ch]$', r'^relay-(job|pool|gio|notifier|promise-private)',
     'the dispatcher runs tasks, not promises'),
    (r'^relay-notifier\.[ch]$', r'^relay-(?!notifier(-private)?\.h$|sync-private\.h$|version\.h$)',
     'the notifier includes only its headers and relay-sync-private.h'),
    (r'^relay-gio\.c$', r'-private\.h$', 'the GIO bridge uses only the public API'),
]


def relay_includes(path):
    text = path.read_text(encoding='utf-8')
    return re.findall(r'^\s*#\s*include\s+"(relay-[^"]+)"', text, flags=re.M)


def check_layers(root):
    files = {}
    for folder in (root / 'src', root / 'include' / 'relay'):
        for path in folder.iterdir():
            if path.suffix in ('.c', '.h'):
                files[path.name] = path
    # relay-version.h is generated from relay-version.h.in
    if (root / 'include' / 'relay' / 'relay-version.h.in').exists():
        files.setdefault('relay-version.h', root / 'include' / 'relay' / 'relay-version.h.in')

    def reached(name):
        seen, todo = set(), [name]
        while todo:
            current = todo.pop()
            path = files.get(current)
            if path is None:
                continue
            for included in relay_includes(path):
                if included not in seen:
                    seen.add(included)
                    todo.append(included)
        return seen

    problems, n = [], 0
    for name in sorted(files):
        for pattern, forbidden, why in LAYER_RULES:
            if not re.match(pattern, name):
                continue
            n += 1
            for included in sorted(reached(name)):
                if included != name and re.search(forbidden, included):
                    problems.append(f'{files[name].relative_to(root)} reaches {included}: {why} '
                                    f'(doc/guide/architecture.md, "Layers")')
    return n, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--source-root', required=True, type=pathlib.Path)
    parser.add_argument('--gir', type=pathlib.Path)
    args = parser.parse_args()

    failed = False

    n, problems = check_sources(args.source_root)
    print(f'sources: {n} public symbols, {len(problems)} problems')
    for p in problems:
        print(f'  {p}')
    failed |= bool(problems) or n == 0

    n, problems = check_architecture(args.source_root)
    print(f'architecture page: {n} source files, {len(problems)} problems')
    for p in problems:
        print(f'  {p}')
    failed |= bool(problems) or n == 0

    n, problems = check_layers(args.source_root)
    print(f'layers: {n} files checked, {len(problems)} problems')
    for p in problems:
        print(f'  {p}')
    failed |= bool(problems) or n == 0

    if args.gir is not None:
        n, problems = check_gir(args.gir)
        print(f'{args.gir.name}: {n} symbols, {len(problems)} problems')
        for p in problems:
            print(f'  {p}')
        failed |= bool(problems) or n == 0

    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
