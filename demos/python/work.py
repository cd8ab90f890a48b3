#!/usr/bin/env python3
# work.py: the second threading example, in Python: a job on a worker, its value in a promise
#
# A Python function runs on Relay's worker pool and returns 4 + 5; a delay on
# the main loop prints "event loop still running..." meanwhile, and the
# coroutine awaiting the job prints the value on the main thread. With --fail,
# the job raises and the coroutine catches that very exception.
#
# From the source directory: meson devenv -C build -w . python3 demos/python/work.py
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import sys
import time

import gi

gi.require_version('Relay', '1.0')
from gi.repository import Relay  # noqa: E402

fail = '--fail' in sys.argv[1:]


def add(job, a, b):
    time.sleep(1)                           # on a worker thread
    if fail:
        raise ArithmeticError('could not add %d and %d' % (a, b))
    return a + b


async def main():
    Relay.Promise.new_delay(300).then(lambda _: print('event loop still running...'))
    try:
        val = await Relay.run_in_thread(add, 4, 5)
        print('got val: %s' % val)
    except ArithmeticError as e:           # raised on the worker, caught here
        print('err: %s: %s' % (type(e).__name__, e))


Relay.run_until_complete(main())
