#!/usr/bin/env python3
# check-commands.py: run every shell command of the README and the guide
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A command a reader copies from README.md or doc/guide/*.md must work. This
# check (test 'doc-commands', suite 'docs') finds every one and either runs it
# or finds it on the allow-list below, which says which test covers it and why
# it is not run here. It fails on a command that fails, on a command that is
# neither run nor allowed, on an allow-list entry no page uses any more, and on
# a path or link in those pages that does not exist or leaves the repository.
#
# What counts as a command: every line of a fenced block marked ```sh (or
# ```shell, ```bash), including blocks a page includes with
# {{include samples/x.sh}}; a trailing backslash continues a line, `#` starts a
# comment. Outside those blocks, an inline code span that reads like a command
# (`meson test -C build ...`, `cc ...`) must be one of the block commands:
# that is how a page cannot show a command that nothing runs.
#
# How they run. The source tree is copied to <build-root>/doc-commands/src
# (without build directories or .git). The pages run in order, README.md
# first, then the guide pages by name; every block is one bash script (set -e)
# run from the copy's top directory, so later blocks use what earlier ones
# built: the README's `meson setup build` makes the build directory the guide's
# commands use, its `meson install` installs what `cc ... pkg-config`,
# `valac --pkg` and the installed-Python and GJS runs need. A block preceded by
# `<!-- file: NAME -->` is written to NAME in the copy before its page runs.
#
# So that nothing leaves the scratch directory, the check changes exactly
# this much, and says so in its output:
#
# - `meson setup` gets --prefix=<build-root>/doc-commands/prefix, so
#   `meson install` installs there and never into /usr/local. Every
#   `meson install` is preceded by a check that the build's prefix is that one.
# - The environment stands in for what a Debian 12 system gives /usr/local for
#   free, pointed at that prefix: pkg-config's search path, Python's site
#   directory (where `meson install` put the Relay override), the data
#   directories valac searches for .vapi files. GI_TYPELIB_PATH is not set:
#   the pages tell the reader to set it. `ldconfig` (root, system-wide) is
#   allowed, and stands in as LD_LIBRARY_PATH=<the prefix's libdir> from there
#   on, the loader finding the installed libraries as it would after ldconfig.
# - `python3` is the Python with PyGObject that meson found (--python), as on
#   Debian, where it is /usr/bin/python3.
# - The environment of the running test (GI_TYPELIB_PATH, LD_LIBRARY_PATH,
#   PYTHONPATH, DESTDIR, MESON_*, ...) is removed.
#
# Usage: check-commands.py --source-root DIR --build-root DIR --python PYTHON
#                          [--keep] [--list]
#        check-commands.py --assert-prefix BUILDDIR PREFIX   (used by the above)

import argparse
import dataclasses
import importlib.util
import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

# --------------------------------------------------------------------------
# The allow-list: commands that are not run here, each with the test that
# covers it and why it is not run. A covering test must exist in the build's
# test list (meson-info/intro-tests.json); a covering file must contain the
# text given (whitespace and line continuations ignored).
# --------------------------------------------------------------------------


@dataclasses.dataclass
class Test:
    name: str

    def describe(self):
        return f'test {self.name}'


@dataclasses.dataclass
class Suite:
    name: str

    def describe(self):
        return f'suite {self.name}'


@dataclasses.dataclass
class FileSays:
    path: str
    text: str

    def describe(self):
        return f'{self.path} ({self.text!r})'


@dataclasses.dataclass
class Allowed:
    command: str
    why: str
    covered_by: list
    # A shell line run in the command's place, for commands whose effect later
    # commands rely on.
    stand_in: str = None


ALLOW_LIST = [
    Allowed('bash .ci/setup.sh demo',
            'installs Debian packages as root, builds, then opens the demo window, or '
            'runs its self-test under Xvfb when there is no display',
            [Test('relay-demo-self-test'), FileSays('.ci/setup.sh', '"$demo" --self-test')]),
    Allowed('bash .ci/setup.sh test',
            'it is the CI: installs Debian packages as root, builds, runs every suite '
            '(this check included), then valgrind and ASan/UBSan',
            [FileSays('.ci/run', 'setup.sh" test')]),
    Allowed('ldconfig',
            "rebuilds the system's library cache, as root",
            [],
            stand_in='export LD_LIBRARY_PATH="$(pkg-config --variable=libdir relay-1.0)'
                     '${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"'),
    Allowed('meson test -C build',
            'runs every suite, this check among them',
            [FileSays('.ci/setup.sh', 'run_meson_test "all suites" -C "$build"')]),
    Allowed('meson test -C build --suite docs',
            'is the suite this check belongs to',
            [Test('doc-commands'), Test('doc-coverage')]),
    Allowed('meson test -C build --benchmark -v',
            'minutes of benchmarks whose figures need an idle machine; the bench-smoke '
            'suite runs the same programs at tiny sizes, and its command is run here',
            [Suite('bench-smoke')]),
    Allowed('meson test -C build --setup=valgrind --suite unit --suite gio --suite stress --suite fuzz',
            'the unit, stress and fuzz suites under valgrind take many minutes',
            [FileSays('.ci/setup.sh', '--setup=valgrind --suite unit --suite gio --suite stress --suite fuzz')]),
    Allowed('meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false '
            '-Dwerror=true -Dwakeup=pipe -Dintrospection=disabled -Ddemos=false '
            '-Ddocs=disabled -Dgtk=disabled',
            'a second, instrumented build, only useful with the run below',
            [FileSays('.ci/setup.sh', 'asan_args=(-Db_sanitize=address,undefined -Db_lundef=false '
                                      '-Dwerror=true -Dwakeup=pipe -Dintrospection=disabled '
                                      '-Ddemos=false -Ddocs=disabled -Dgtk=disabled)'),
             FileSays('.ci/setup.sh', 'meson setup "$asan_build" "${asan_args[@]}"')]),
    Allowed('meson test -C build-asan --setup=asan --suite unit --suite gio --suite stress --suite fuzz',
            'the unit, stress and fuzz suites under ASan and UBSan take many minutes',
            [FileSays('.ci/setup.sh', '--setup=asan --suite unit --suite gio --suite stress --suite fuzz')]),
    Allowed('build/demos/relay-demo/relay-demo',
            'opens a window and runs until it is closed',
            [Test('relay-demo-self-test')]),
    Allowed('build/demos/relay-demo/relay-demo --naive',
            'opens a window and runs until it is closed',
            [Test('relay-demo-self-test-naive')]),
    Allowed('build/demos/relay-demo/relay-demo --self-test',
            'measures main-loop stalls, so its test runs alone on its own Xvfb server; '
            'here it would measure the build running beside it',
            [Test('relay-demo-self-test')]),
    Allowed('build/demos/relay-demo/relay-demo --naive --self-test',
            'measures main-loop stalls, so its test runs alone on its own Xvfb server',
            [Test('relay-demo-self-test-naive')]),
    Allowed('build/demos/relay-demo/relay-demo --self-test=search',
            'measures main-loop stalls, so its test runs alone on its own Xvfb server',
            [Test('relay-demo-self-test-search')]),
]

SHELL_LANGUAGES = ('sh', 'shell', 'bash')

# An inline code span that reads like a command: a tool with at least one
# argument that is an option, a path or a command substitution.
COMMAND_SPAN = re.compile(
    r'^(?:sudo\s+)?(?:meson|ninja|cc|gcc|clang|valac|gjs|python3?|bash|sh|apt|apt-get|'
    r'pkg-config|ldconfig|make|git|\./\S+|build/\S+)\s+.*(?:\s-|/|\.|\$\()')

# Paths into the repository mentioned in inline code: they must exist.
REPO_PATH = re.compile(r'^(?:build|doc|demos|src|include|tests|introspection|\.ci)/[^\s`]*$')

REMOVED_ENVIRONMENT = ('GI_TYPELIB_PATH', 'LD_LIBRARY_PATH', 'LD_PRELOAD', 'PYTHONPATH',
                       'PKG_CONFIG_PATH', 'PKG_CONFIG_SYSROOT_DIR', 'XDG_DATA_DIRS', 'DESTDIR',
                       'G_DEBUG', 'G_ENABLE_DIAGNOSTIC', 'MALLOC_PERTURB_', 'MALLOC_CHECK_',
                       'GJS_PATH', 'GI_GIR_PATH')


# --------------------------------------------------------------------------
# Reading the pages
# --------------------------------------------------------------------------

@dataclasses.dataclass
class Command:
    page: str
    line: int
    text: str          # without its comment, continuations joined


@dataclasses.dataclass
class Block:
    page: str
    line: int
    commands: list


@dataclasses.dataclass
class Page:
    path: pathlib.Path
    name: str              # as printed: README.md, doc/guide/x.md
    blocks: list
    files: dict            # name -> text, from <!-- file: name -->
    spans: list            # (line, text) of inline code outside fences
    links: list            # (line, target) of Markdown links


def load_include_samples(source_root):
    spec = importlib.util.spec_from_file_location(
        'include_samples', source_root / 'doc' / 'include-samples.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def split_commands(page_name, first_line, lines):
    """Yields the commands of a shell block's lines."""
    pending, start = '', None
    for offset, raw in enumerate(lines):
        line = raw.rstrip()
        if start is None:
            start = first_line + offset
        if line.endswith('\\'):
            pending += line[:-1] + ' '
            continue
        text = strip_comment(pending + line).strip()
        pending = ''
        if text:
            yield Command(page_name, start, normalize(text))
        start = None


def strip_comment(line):
    """Drops a `#` comment that is not inside quotes."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in '\'"':
            quote = c
        elif c == '#' and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def normalize(text):
    return ' '.join(text.replace('\\\n', ' ').split())


def read_page(path, name, source_root, include_samples):
    text = path.read_text(encoding='utf-8')
    lines = text.splitlines()
    blocks, files, spans, links = [], {}, [], []
    prose = []
    pending_file = None
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = re.match(r'^(\s*)(```+|~~~+)\s*([\w+-]*)', line)
        directive = re.match(r'^\s*<!--\s*file:\s*(\S+)\s*-->\s*$', line)
        include = re.match(r'^\s*\{\{include\s+(\S+\.(?:sh|bash))(?:\s+([\w-]+))?\s*\}\}\s*$', line)
        if directive:
            pending_file = directive.group(1)
            i += 1
            continue
        if include:
            sample = (source_root / 'doc' / include.group(1)).resolve()
            body = include_samples.code_lines(sample, include.group(2))
            blocks.append(Block(name, i + 1, list(split_commands(name, i + 1, body))))
            i += 1
            continue
        if fence:
            marker, language = fence.group(2), fence.group(3)
            body, j = [], i + 1
            while j < len(lines) and not lines[j].strip().startswith(marker):
                body.append(lines[j])
                j += 1
            if pending_file is not None:
                files[pending_file] = '\n'.join(body) + '\n'
            if language in SHELL_LANGUAGES:
                blocks.append(Block(name, i + 2, list(split_commands(name, i + 2, body))))
            pending_file = None
            i = j + 1
            continue
        if line.strip():
            pending_file = None
        prose.append((i + 1, line))
        i += 1

    # Inline code and links, per paragraph (a span may wrap).
    paragraph, first = [], None
    for number, line in prose + [(None, '')]:
        if line.strip() and number is not None:
            if first is None:
                first = number
            paragraph.append(line)
            continue
        joined = ' '.join(l.strip() for l in paragraph)
        for m in re.finditer(r'`([^`]+)`', joined):
            spans.append((first, m.group(1).strip()))
        without_code = re.sub(r'`[^`]*`', '', joined)
        for m in re.finditer(r'\]\(([^)\s]+)\)', without_code):
            links.append((first, m.group(1)))
        paragraph, first = [], None

    return Page(path, name, blocks, files, spans, links)


def read_pages(source_root):
    include_samples = load_include_samples(source_root)
    pages = [read_page(source_root / 'README.md', 'README.md', source_root, include_samples)]
    for path in sorted((source_root / 'doc' / 'guide').glob('*.md')):
        pages.append(read_page(path, f'doc/guide/{path.name}', source_root, include_samples))
    return pages


# --------------------------------------------------------------------------
# Checks that need no running
# --------------------------------------------------------------------------

def allowed_entry(command):
    for entry in ALLOW_LIST:
        if normalize(entry.command) == command.text:
            return entry
    return None


def check_allow_list(pages, build_root, source_root):
    problems = []
    used = {normalize(c.text) for p in pages for b in p.blocks for c in b.commands}

    tests_file = build_root / 'meson-info' / 'intro-tests.json'
    tests = json.loads(tests_file.read_text(encoding='utf-8')) if tests_file.exists() else []
    names = {t['name'] for t in tests}
    suites = {s.split(':')[-1] for t in tests for s in t.get('suite', [])}

    for entry in ALLOW_LIST:
        if normalize(entry.command) not in used:
            problems.append(f'allow-list: `{entry.command}` is on no page any more; remove it')
        for cover in entry.covered_by:
            if isinstance(cover, Test) and cover.name not in names:
                problems.append(f'allow-list: `{entry.command}`: there is no {cover.describe()} '
                                f'in this build')
            elif isinstance(cover, Suite) and cover.name not in suites:
                problems.append(f'allow-list: `{entry.command}`: there is no {cover.describe()} '
                                f'in this build')
            elif isinstance(cover, FileSays):
                path = source_root / cover.path
                said = normalize(path.read_text(encoding='utf-8')) if path.exists() else ''
                if normalize(cover.text) not in said:
                    problems.append(f'allow-list: `{entry.command}`: {cover.path} does not say '
                                    f'{cover.text!r}')
        if not entry.covered_by and entry.stand_in is None:
            problems.append(f'allow-list: `{entry.command}` names no test that covers it')
    return problems


def check_inline_commands(pages):
    problems = []
    commands = {c.text for p in pages for b in p.blocks for c in b.commands}
    for page in pages:
        for line, span in page.spans:
            text = normalize(span)
            if COMMAND_SPAN.match(text) and text not in commands:
                problems.append(f'{page.name}:{line}: `{span}` reads like a command but is in no '
                                f'```sh block, so nothing runs it: put it in one')
    return problems


def check_paths(pages, root, html_dir, final):
    """Paths and links must stay inside the repository and exist. Before the
    run (final=False) only what needs no build is checked."""
    problems = []
    root = root.resolve()

    def inside(path):
        try:
            path.resolve().relative_to(root)
            return True
        except ValueError:
            return False

    for page in pages:
        base = page.path.parent
        for line, span in page.spans:
            if '../' in span and re.match(r'^[\w./*-]+$', span):
                problems.append(f'{page.name}:{line}: `{span}` points outside the repository')
                continue
            if not REPO_PATH.match(span):
                continue
            if span.startswith('build/') and not final:
                continue
            if not any(True for _ in root.glob(span.rstrip('/'))) and not (root / span).exists():
                problems.append(f'{page.name}:{line}: `{span}` does not exist')

        for line, target in page.links:
            if re.match(r'^[a-z]+:', target) or target.startswith('#'):
                continue
            path_part, _, fragment = target.partition('#')
            if page.name == 'README.md':
                path = root / path_part
                if not inside(path):
                    problems.append(f'{page.name}:{line}: link {target} leaves the repository')
                    continue
                if path_part.startswith('build/') and not final:
                    continue
            else:
                # Guide pages link to the generated reference and guide.
                if '..' in pathlib.PurePosixPath(path_part).parts:
                    problems.append(f'{page.name}:{line}: link {target} leaves the reference')
                    continue
                if not final:
                    continue
                path = html_dir / path_part
            if not path.exists():
                problems.append(f'{page.name}:{line}: link {target}: {path_part} does not exist')
            elif fragment and not has_anchor(path, fragment):
                problems.append(f'{page.name}:{line}: link {target}: no #{fragment} in {path_part}')
    return problems


def has_anchor(path, fragment):
    text = path.read_text(encoding='utf-8', errors='replace')
    if path.suffix == '.md':
        return any(slug(m.group(1)) == fragment
                   for m in re.finditer(r'^#+\s+(.*?)\s*$', text, flags=re.M))
    return re.search(r'id="' + re.escape(fragment) + '"', text) is not None


def slug(heading):
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r'[^\w\- ]', '', heading.strip().lower())
    return text.replace(' ', '-')


# --------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------

def copy_source(source_root, destination):
    def ignore(directory, names):
        ignored = {'.git', '__pycache__'}
        for name in names:
            path = pathlib.Path(directory) / name
            if path.is_dir() and ((path / 'meson-private').is_dir() or (path / 'meson-info').is_dir()):
                ignored.add(name)
        return ignored & set(names)

    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(source_root, destination, ignore=ignore, symlinks=True)


def site_directory(python, source_root, prefix):
    """Where `meson install` puts Relay's Python override for @prefix, minus
    gi/overrides: the directory a system Python would have on sys.path."""
    out = subprocess.run([python, str(source_root / 'introspection' / 'python' / 'overrides-dir.py'),
                          str(prefix)], check=True, capture_output=True, text=True).stdout.strip()
    return str(pathlib.Path(out).parent.parent)


def multiarch(python):
    out = subprocess.run([python, '-c', 'import sysconfig; print(sysconfig.get_config_var("MULTIARCH") or "")'],
                         capture_output=True, text=True).stdout.strip()
    return out


def base_environment(scratch, python, source_root, prefix):
    env = {k: v for k, v in os.environ.items()
           if k not in REMOVED_ENVIRONMENT and not k.startswith('MESON')}
    bin_dir = scratch / 'bin'
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / 'python3'
    if shim.exists() or shim.is_symlink():
        shim.unlink()
    shim.symlink_to(python)
    env['PATH'] = f'{bin_dir}:{env.get("PATH", "/usr/bin:/bin")}'

    triplet = multiarch(python)
    pc_dirs = [prefix / 'lib' / triplet / 'pkgconfig'] if triplet else []
    pc_dirs += [prefix / 'lib64' / 'pkgconfig', prefix / 'lib' / 'pkgconfig',
                prefix / 'share' / 'pkgconfig']
    env['PKG_CONFIG_PATH'] = ':'.join(str(d) for d in pc_dirs)
    env['PYTHONPATH'] = site_directory(python, source_root, prefix)
    env['XDG_DATA_DIRS'] = f'{prefix / "share"}:/usr/local/share:/usr/share'
    env['RELAY_DOCS_CHECKER'] = str(pathlib.Path(__file__).resolve())
    env['RELAY_DOCS_PREFIX'] = str(prefix)
    return env


def rewrite(command, prefix, python):
    """The shell line that runs @command here (see the top of this file)."""
    entry = allowed_entry(command)
    if entry is not None:
        if entry.stand_in is not None:
            return entry.stand_in, f'allowed; stands in: {entry.stand_in}'
        return None, 'allowed: ' + ', '.join(c.describe() for c in entry.covered_by)

    line = command.text
    note = 'run'
    if re.search(r'\bmeson\s+setup\b', line):
        line = re.sub(r'\bmeson\s+setup\b', f'meson setup --prefix={shlex.quote(str(prefix))}', line)
        note = 'run, with --prefix in the scratch directory'
    m = re.search(r'\bmeson\s+install\s+-C\s+(\S+)', line)
    if m:
        guard = (f'{shlex.quote(python)} "$RELAY_DOCS_CHECKER" --assert-prefix '
                 f'{m.group(1)} "$RELAY_DOCS_PREFIX"')
        line = f'{guard} && {line}'
        note = 'run, after checking that it installs into the scratch prefix'
    return line, note


def run_block(block, env, cwd, prefix, python, log_dir, index):
    script = ['set -eo pipefail']
    notes = []
    for command in block.commands:
        line, note = rewrite(command, prefix, python)
        notes.append((command, note))
        script.append(f'printf "%s\\n" {shlex.quote("$ " + command.text)}')
        if line is not None:
            script.append(line)
    log = log_dir / f'block-{index:02d}.log'
    with open(log, 'w', encoding='utf-8') as out:
        result = subprocess.run(['bash', '-c', '\n'.join(script)], cwd=cwd, env=env,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                timeout=1800)
    return result.returncode, notes, log


def assert_prefix(build_dir, prefix):
    options = json.loads((pathlib.Path(build_dir) / 'meson-info' / 'intro-buildoptions.json')
                         .read_text(encoding='utf-8'))
    value = next(o['value'] for o in options if o['name'] == 'prefix')
    if pathlib.Path(value).resolve() != pathlib.Path(prefix).resolve() or os.environ.get('DESTDIR'):
        print(f'check-commands.py: refusing to install: {build_dir} installs into {value}, '
              f'not the scratch prefix {prefix}', file=sys.stderr)
        return 1
    return 0


def main():
    parser = argparse.ArgumentParser(description='Runs every shell command of the README and the guide.')
    parser.add_argument('--source-root', type=pathlib.Path)
    parser.add_argument('--build-root', type=pathlib.Path)
    parser.add_argument('--python', default='/usr/bin/python3')
    parser.add_argument('--keep', action='store_true', help='keep the scratch directory')
    parser.add_argument('--list', action='store_true', help='list the commands, run nothing')
    parser.add_argument('--assert-prefix', nargs=2, metavar=('BUILDDIR', 'PREFIX'))
    args = parser.parse_args()

    if args.assert_prefix:
        return assert_prefix(*args.assert_prefix)
    if args.source_root is None or args.build_root is None:
        parser.error('--source-root and --build-root are required')

    source_root = args.source_root.resolve()
    build_root = args.build_root.resolve()
    python = shutil.which(args.python) or args.python
    pages = read_pages(source_root)
    n_commands = sum(len(b.commands) for p in pages for b in p.blocks)

    problems = check_allow_list(pages, build_root, source_root)
    problems += check_inline_commands(pages)
    problems += check_paths(pages, source_root, None, final=False)

    if args.list:
        for page in pages:
            for block in page.blocks:
                for command in block.commands:
                    entry = allowed_entry(command)
                    what = 'allowed' if entry else 'run'
                    print(f'{command.page}:{command.line}: [{what}] {command.text}')
        for p in problems:
            print(f'PROBLEM {p}')
        return 1 if problems else 0

    if problems:
        print(f'{n_commands} commands; {len(problems)} problems before running anything:')
        for p in problems:
            print(f'  {p}')
        return 1

    scratch = build_root / 'doc-commands'
    src = scratch / 'src'
    prefix = scratch / 'prefix'
    logs = scratch / 'logs'
    if scratch.exists():
        shutil.rmtree(scratch)
    copy_source(source_root, src)
    logs.mkdir(parents=True)
    env = base_environment(scratch, python, source_root, prefix)
    print(f'Scratch copy: {src}; install prefix: {prefix}; python3: {python}')

    failed = False
    index = 0
    for page in pages:
        for name, text in page.files.items():
            (src / name).write_text(text, encoding='utf-8')
            print(f'{page.name}: wrote its block `{name}`')
        for block in page.blocks:
            index += 1
            try:
                rc, notes, log = run_block(block, env, src, prefix, python, logs, index)
            except subprocess.TimeoutExpired:
                rc, notes, log = 'timeout', [(c, '?') for c in block.commands], logs / f'block-{index:02d}.log'
            for command, note in notes:
                print(f'{command.page}:{command.line}: {command.text}  [{note}]')
            if any(allowed_entry(c) and allowed_entry(c).stand_in for c in block.commands):
                # The stand-in's effect lasts, as ldconfig's would.
                libdir = subprocess.run(['pkg-config', '--variable=libdir', 'relay-1.0'], env=env,
                                        capture_output=True, text=True).stdout.strip()
                if libdir:
                    env['LD_LIBRARY_PATH'] = libdir
            if rc != 0:
                failed = True
                tail = log.read_text(encoding='utf-8', errors='replace').splitlines()[-60:]
                print(f'FAILED ({rc}): the block at {block.page}:{block.line}; the end of {log}:')
                print('\n'.join('    ' + l for l in tail))
                break
        if failed:
            break

    if not failed:
        problems = check_paths(pages, src, src / 'build' / 'doc' / 'relay-1.0', final=True)
        for p in problems:
            print(f'PROBLEM {p}')
        failed = bool(problems)

    allowed = sum(1 for p in pages for b in p.blocks for c in b.commands if allowed_entry(c))
    print(f'{n_commands} commands: {n_commands - allowed} run, {allowed} allowed '
          f'(covered by the tests named above); {"FAILED" if failed else "all good"}')

    if not failed and not args.keep:
        shutil.rmtree(scratch)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
