#!/usr/bin/env python3
# check-dist.py: `meson dist` makes a tarball that builds and passes the unit
# suite (suite 'dist').
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   check-dist.py --build-root DIR --scratch DIR [--sanitize S]
#
# 1. `meson dist --no-tests --formats gztar` in the build directory: a tarball
#    of the commit checked out (HEAD; uncommitted changes are not in it, and
#    this says so), <build>/meson-dist/relay-<version>.tar.gz.
# 2. The tarball must hold the files a release needs (README.md, NEWS,
#    CONTRIBUTING.md, the meson files, ...) and nothing generated (no build
#    directory).
# 3. It is unpacked in the scratch directory, configured with the library and
#    tests only (every optional part disabled, -Dwerror=true), compiled, and
#    its unit suite run. The full suites run in CI on the source tree; this
#    proves the tarball is complete and builds on its own.

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile

REMOVED = ('DESTDIR', 'PKG_CONFIG_PATH', 'LD_LIBRARY_PATH', 'GI_TYPELIB_PATH', 'PYTHONPATH',
           'MALLOC_PERTURB_')

# What a release tarball must contain.
REQUIRED = ['meson.build', 'meson_options.txt', 'README.md', 'NEWS', 'CONTRIBUTING.md',
            'src/meson.build', 'include/relay/relay.h', 'tests/unit/meson.build',
            'doc/guide/architecture.md']


def run(command, env, **kwargs):
    print('$ ' + ' '.join(str(c) for c in command), flush=True)
    done = subprocess.run([str(c) for c in command], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, **kwargs)
    print(done.stdout, end='', flush=True)
    if done.returncode != 0:
        sys.exit(f'FAILED ({done.returncode}): {" ".join(str(c) for c in command[:3])}')
    return done.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--build-root', type=pathlib.Path, required=True)
    parser.add_argument('--scratch', type=pathlib.Path, required=True)
    parser.add_argument('--sanitize', default='none')
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if k not in REMOVED and not k.startswith('MESON')}
    info = json.loads((args.build_root / 'meson-info' / 'intro-projectinfo.json').read_text())
    name = f'{info["descriptive_name"]}-{info["version"]}'
    source_root = pathlib.Path(json.loads(
        (args.build_root / 'meson-info' / 'meson-info.json').read_text())['directories']['source'])

    dirty = subprocess.run(['git', '-C', str(source_root), 'diff-index', '--quiet', 'HEAD'],
                           env=env).returncode != 0
    if dirty:
        print('NOTE: the source tree has uncommitted changes; the tarball is made from HEAD '
              'without them', flush=True)

    if args.scratch.exists():
        shutil.rmtree(args.scratch)
    args.scratch.mkdir(parents=True)

    run(['meson', 'dist', '-C', args.build_root, '--no-tests', '--formats', 'gztar',
         '--allow-dirty'], env)
    tarball = args.build_root / 'meson-dist' / f'{name}.tar.gz'
    if not tarball.is_file():
        sys.exit(f'meson dist made no {tarball}')

    with tarfile.open(tarball) as tar:
        members = tar.getnames()
        missing = [f for f in REQUIRED if f'{name}/{f}' not in members]
        if missing:
            sys.exit(f'{tarball.name} lacks {missing}')
        generated = [m for m in members
                     if '/meson-private/' in m or '/__pycache__/' in m or m.endswith('.pyc')]
        if generated:
            sys.exit(f'{tarball.name} holds generated files: {generated[:5]}')
        tar.extractall(args.scratch)
    print(f'ok: {tarball.name}, {len(members)} entries, with {", ".join(REQUIRED)}', flush=True)

    unpacked = args.scratch / name
    build = args.scratch / 'build'
    setup = ['meson', 'setup', build, unpacked, '-Dwerror=true', '-Dtests=true', '-Ddemos=false',
             '-Dintrospection=disabled', '-Dpython=disabled', '-Dgjs=disabled',
             '-Dvapi=disabled', '-Dgtk=disabled', '-Ddocs=disabled']
    if args.sanitize != 'none':
        setup += [f'-Db_sanitize={args.sanitize}', '-Db_lundef=false']
    run(setup, env)
    run(['meson', 'compile', '-C', build], env)
    run(['meson', 'test', '-C', build, '--suite', 'unit', '--num-processes', '1',
         '--print-errorlogs'], env)
    shutil.rmtree(args.scratch)
    print(f'ok: {tarball.name} builds and passes its unit suite')
    return 0


if __name__ == '__main__':
    sys.exit(main())
