#!/usr/bin/env python3
# include-samples.py: turn the guide's source pages into the pages gi-docgen reads
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# gi-docgen's Markdown has no include directive, and every code sample in the
# guide must be a file the test suite builds and runs. So the pages in
# doc/guide/ carry markers, and this script replaces them at build time:
#
#   {{include samples/notifier.c}}          the whole file, as a fenced block
#   {{include samples/notifier.c worker}}   only the lines between the marker
#                                           lines "[worker]" and "[/worker]"
#                                           (in any comment style), dedented
#   {{include-raw ../tests/bench/RESULTS.md}}
#                                           the file's text as is (Markdown); if
#                                           it does not exist, the text after
#                                           "|" in the marker, if any
#
# Paths are relative to --root (the doc/ source directory). Region marker lines
# and SPDX lines never reach the page. A missing sample or region is an error,
# so a page cannot point at code that is not there.
#
# Usage: include-samples.py --root DIR --output-dir DIR [--depfile FILE] PAGE.md...

import argparse
import pathlib
import re
import sys
import textwrap

LANGUAGES = {
    '.c': 'c',
    '.h': 'c',
    '.py': 'python',
    '.js': 'js',
    '.vala': 'vala',
    '.sh': 'sh',
    '.build': 'meson',
    '.txt': 'text',
}

MARKER = re.compile(r'^(?P<indent>[ \t]*)\{\{(?P<kind>include|include-raw)\s+(?P<path>[^\s}|]+)'
                    r'(?:\s+(?P<region>[\w-]+))?\s*(?:\|(?P<fallback>[^}]*))?\}\}\s*$')
REGION_LINE = re.compile(r'^\s*(?:/[/*]|#|\*)?\s*\[/?[\w-]+\]\s*(?:\*/)?\s*$')
SPDX_LINE = re.compile(r'SPDX-License-Identifier')


class IncludeError(Exception):
    pass


def code_lines(path, region):
    lines = path.read_text(encoding='utf-8').splitlines()

    if region is not None:
        start = end = None
        for i, line in enumerate(lines):
            stripped = line.strip()
            if start is None and re.search(r'\[' + re.escape(region) + r'\]', stripped) \
                    and REGION_LINE.match(line):
                start = i + 1
            elif start is not None and re.search(r'\[/' + re.escape(region) + r'\]', stripped):
                end = i
                break
        if start is None or end is None:
            raise IncludeError(f'{path}: no region [{region}] ... [/{region}]')
        lines = lines[start:end]

    kept = []
    for line in lines:
        if REGION_LINE.match(line) or SPDX_LINE.search(line):
            continue
        kept.append(line)

    # A comment header that only held the SPDX line leaves " *" behind; drop
    # blank comment lines that directly close a comment.
    cleaned = []
    for i, line in enumerate(kept):
        if line.strip() == '*' and i + 1 < len(kept) and kept[i + 1].strip() == '*/':
            continue
        cleaned.append(line)

    text = textwrap.dedent('\n'.join(cleaned)).strip('\n')
    return text.splitlines()


def expand(page, root, used):
    out = []
    for number, line in enumerate(page.read_text(encoding='utf-8').splitlines(), 1):
        m = MARKER.match(line)
        if m is None:
            out.append(line)
            continue

        path = (root / m.group('path')).resolve()
        indent = m.group('indent')

        if m.group('kind') == 'include-raw':
            if path.exists():
                used.append(path)
                out.extend(indent + l for l in path.read_text(encoding='utf-8').splitlines())
            elif m.group('fallback') is not None:
                out.append(indent + m.group('fallback').strip())
            else:
                raise IncludeError(f'{page}:{number}: {path} does not exist')
            continue

        if not path.exists():
            raise IncludeError(f'{page}:{number}: {path} does not exist')
        used.append(path)
        language = LANGUAGES.get(path.suffix, '')
        out.append(f'{indent}```{language}')
        out.extend((indent + l) if l else '' for l in code_lines(path, m.group('region')))
        out.append(f'{indent}```')

    return '\n'.join(out) + '\n'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--root', required=True, type=pathlib.Path)
    parser.add_argument('--output-dir', required=True, type=pathlib.Path)
    parser.add_argument('--depfile', type=pathlib.Path)
    parser.add_argument('pages', nargs='+', type=pathlib.Path)
    args = parser.parse_args()

    used = []
    args.output_dir.mkdir(parents=True, exist_ok=True)
    try:
        for page in args.pages:
            text = expand(page, args.root, used)
            (args.output_dir / page.name).write_text(text, encoding='utf-8')
    except (IncludeError, OSError) as e:
        print(f'include-samples.py: {e}', file=sys.stderr)
        return 1

    if args.depfile is not None:
        outputs = ' '.join(str(args.output_dir / p.name).replace(' ', '\\ ') for p in args.pages)
        deps = ' '.join(str(p).replace(' ', '\\ ') for p in sorted(set(used)))
        args.depfile.write_text(f'{outputs}: {deps}\n', encoding='utf-8')

    return 0


if __name__ == '__main__':
    sys.exit(main())
