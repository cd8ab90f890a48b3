# python-work.py: a Python function as a pool job, its result on the main loop
#
# The job runs on a worker thread (PyGObject takes the GIL for it) and
# returns a plain value; `then` calls back on the main thread with it. An
# exception in the job would reach `got_error` instead, as itself.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import threading
import time

import gi
gi.require_version('Relay', '1.0')
from gi.repository import GLib, Relay

main_thread = threading.current_thread()
loop = GLib.MainLoop()
results = []


# [job]
def add(job, a, b):
    assert threading.current_thread() is not main_thread
    time.sleep(0.1)                 # such work
    return a + b


def got_value(value):
    assert threading.current_thread() is main_thread
    print('got val:', value)
    results.append(value)


def got_error(error):              # the job's exception, or a GLib.Error from C
    print('err:', error)


promise = Relay.run_in_thread(add, 4, 5)
shown = promise.then(got_value, got_error)
shown.finally_(loop.quit)
loop.run()
# [/job]

assert results == [9], results
