#!/usr/bin/env python3
# overrides-dir.py PREFIX: prints where to install Relay.py so that the Python
# running this script finds it as a PyGObject override (gi/overrides under a
# directory on its default sys.path when one matches PREFIX).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import os
import sys
import sysconfig

import gi

prefix = os.path.normpath(sys.argv[1])
candidates = [os.path.dirname(os.path.dirname(gi.__file__))]   # where gi itself lives
candidates += [sysconfig.get_path('purelib'), sysconfig.get_path('platlib')]
candidates += [p for p in sys.path if p.endswith(('site-packages', 'dist-packages'))]

for path in candidates:
    if path and os.path.normpath(path).startswith(prefix + os.sep):
        print(os.path.join(path, 'gi', 'overrides'))
        break
else:
    # An unusual prefix: use the conventional layout; that prefix's Python path
    # must then be added to PYTHONPATH, as for any module installed there.
    version = '%d.%d' % sys.version_info[:2]
    print(os.path.join(prefix, 'lib', 'python' + version, 'site-packages', 'gi', 'overrides'))
