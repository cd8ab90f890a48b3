#!/usr/bin/env python3
# check_output.py EXPECTED-LINE... -- COMMAND...: runs COMMAND and fails unless
# it exits with 0 and prints exactly the expected lines, in order. Used to run
# the Python and GJS demos as tests.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import subprocess
import sys

split = sys.argv.index('--')
expected, command = sys.argv[1:split], sys.argv[split + 1:]

done = subprocess.run(command, stdout=subprocess.PIPE, timeout=60, check=False,
                      universal_newlines=True)
lines = done.stdout.splitlines()
print('\n'.join(lines))
if done.returncode != 0:
    sys.exit('%s exited with %d' % (command[-1], done.returncode))
if lines != expected:
    sys.exit('expected %r, got %r' % (expected, lines))
