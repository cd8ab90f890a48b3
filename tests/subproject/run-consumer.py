#!/usr/bin/env python3
# run-consumer.py: builds tests/subproject/consumer, a tiny Meson project that
# uses dependency('relay-1.0'), and runs it (suite 'consumer').
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   run-consumer.py subproject --source-root DIR --scratch DIR [--sanitize S]
#       Copies Relay's source tree (without build directories or .git) to
#       consumer/subprojects/relay and builds the consumer with
#       --force-fallback-for=relay-1.0: Relay is built as a subproject and found
#       through meson.override_dependency().
#   run-consumer.py pkgconfig --build-root DIR --scratch DIR [--sanitize S]
#       Installs the build into a scratch DESTDIR, points PKG_CONFIG_PATH at its
#       relay-1.0.pc (with the prefix moved there) and builds the consumer with
#       --wrap-mode=nofallback: Relay is found through pkg-config only.
#
# Either way the consumer must print "got val: 9" and load librelay from the
# Relay it was built against (the subproject's build, or the scratch install),
# and meson must have found relay-1.0 the expected way (the consumer's option
# 'expect').

import argparse
import os
import pathlib
import shutil
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent

# Variables of the running `meson test` that must not leak into the nested
# builds: they would point them at the outer build or install.
REMOVED = ('DESTDIR', 'PKG_CONFIG_PATH', 'PKG_CONFIG_LIBDIR', 'PKG_CONFIG_SYSROOT_DIR',
           'LD_LIBRARY_PATH', 'GI_TYPELIB_PATH', 'PYTHONPATH', 'MALLOC_PERTURB_')


def clean_environment():
    return {k: v for k, v in os.environ.items()
            if k not in REMOVED and not k.startswith('MESON')}


def run(command, env, **kwargs):
    print('$ ' + ' '.join(str(c) for c in command), flush=True)
    done = subprocess.run([str(c) for c in command], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, **kwargs)
    print(done.stdout, end='', flush=True)
    if done.returncode != 0:
        sys.exit(f'FAILED ({done.returncode}): {command[0]} {command[1]}')
    return done.stdout


def copy_source(source_root, destination):
    """Relay's source tree, as a subproject gets it: no build directories, no .git."""
    def ignore(directory, names):
        ignored = {'.git', '__pycache__'}
        for name in names:
            path = pathlib.Path(directory) / name
            if path.is_dir() and ((path / 'meson-private').is_dir() or (path / 'meson-info').is_dir()):
                ignored.add(name)
        return ignored & set(names)
    shutil.copytree(source_root, destination, ignore=ignore, symlinks=True)


def check_output(output, library_root):
    lines = output.splitlines()
    if 'got val: 9' not in lines:
        sys.exit(f'the consumer did not print "got val: 9": {lines!r}')
    loaded = [l[len('librelay: '):] for l in lines if l.startswith('librelay: ')]
    if len(loaded) != 1:
        sys.exit(f'the consumer did not say where librelay came from: {lines!r}')
    path = pathlib.Path(loaded[0]).resolve()
    try:
        path.relative_to(library_root.resolve())
    except ValueError:
        sys.exit(f'the consumer loaded {path}, not a librelay under {library_root}')
    print(f'ok: got val: 9, with {path}')


def meson_setup_args(args):
    extra = []
    if args.sanitize and args.sanitize != 'none':
        extra += [f'-Db_sanitize={args.sanitize}', '-Db_lundef=false']
    return extra


def subproject(args):
    scratch = args.scratch
    consumer = scratch / 'consumer'
    build = scratch / 'build'
    shutil.copytree(HERE / 'consumer', consumer)
    copy_source(args.source_root, consumer / 'subprojects' / 'relay')
    env = clean_environment()

    run(['meson', 'setup', build, consumer, '--force-fallback-for=relay-1.0',
         '-Dexpect=internal'] + meson_setup_args(args), env)
    run(['meson', 'compile', '-C', build], env)
    output = run([build / 'consumer'], env, timeout=300)
    check_output(output, build / 'subprojects' / 'relay')


def pkgconfig(args):
    scratch = args.scratch
    dest = scratch / 'dest'
    build = scratch / 'build'
    env = clean_environment()

    run(['meson', 'install', '-C', args.build_root, '--no-rebuild', '--quiet',
         '--destdir', dest], env)
    found = sorted(dest.rglob('relay-1.0.pc'))
    if len(found) != 1:
        sys.exit(f'expected one relay-1.0.pc under {dest}, found {found}')
    pc = found[0]
    text = pc.read_text(encoding='utf-8')
    prefix = next(l[len('prefix='):] for l in text.splitlines() if l.startswith('prefix='))
    # The installed tree lives under DESTDIR: move the prefix there, as a
    # package built with --prefix=<that directory> would say.
    moved = scratch / 'pkgconfig'
    moved.mkdir()
    (moved / 'relay-1.0.pc').write_text(
        text.replace(f'prefix={prefix}\n', f'prefix={dest}{prefix}\n', 1), encoding='utf-8')
    env['PKG_CONFIG_PATH'] = str(moved)
    libdir = run(['pkg-config', '--variable=libdir', 'relay-1.0'], env).strip()
    if not pathlib.Path(libdir, 'librelay-1.0.so').exists():
        sys.exit(f'pkg-config says libdir={libdir}, which has no librelay-1.0.so')

    run(['meson', 'setup', build, HERE / 'consumer', '--wrap-mode=nofallback',
         '-Dexpect=pkgconfig'] + meson_setup_args(args), env)
    run(['meson', 'compile', '-C', build], env)
    env['LD_LIBRARY_PATH'] = libdir
    output = run([build / 'consumer'], env, timeout=300)
    check_output(output, dest)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('mode', choices=['subproject', 'pkgconfig'])
    parser.add_argument('--source-root', type=pathlib.Path)
    parser.add_argument('--build-root', type=pathlib.Path)
    parser.add_argument('--scratch', type=pathlib.Path, required=True)
    parser.add_argument('--sanitize', default='none')
    args = parser.parse_args()

    if args.scratch.exists():
        shutil.rmtree(args.scratch)
    args.scratch.mkdir(parents=True)
    if args.mode == 'subproject':
        if args.source_root is None:
            parser.error('subproject needs --source-root')
        subproject(args)
    else:
        if args.build_root is None:
            parser.error('pkgconfig needs --build-root')
        pkgconfig(args)
    shutil.rmtree(args.scratch)
    return 0


if __name__ == '__main__':
    sys.exit(main())
