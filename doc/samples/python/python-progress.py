# python-progress.py: progress as a GObject property, and cancellation
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gi
gi.require_version('Relay', '1.0')
from gi.repository import Gio, GLib, Relay

loop = GLib.MainLoop()
seen = []


# [progress]
def crunch(job):
    for i in range(1, 100001):
        if job.is_cancelled():
            return None                 # the promise is already rejected
        job.report_progress(i / 100000)
    return 'crunched'


def on_progress(promise, pspec):
    seen.append(promise.props.progress)  # on the main thread, coalesced


def on_value(value):
    print(f'{value} after {len(seen)} progress notifications')


promise = Relay.run_in_thread(crunch)
promise.connect('notify::progress', on_progress)
promise.then(on_value).finally_(loop.quit)
loop.run()
# [/progress]

assert seen and seen[-1] == 1.0 and len(seen) < 100000


# [cancel]
def forever(job):
    cancellable = job.get_cancellable()
    while not cancellable.is_cancelled():
        GLib.usleep(1000)


def on_error(error):
    assert error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    print('cancelled:', error.message)


def cancel():
    promise.cancel()
    return GLib.SOURCE_REMOVE


promise = Relay.run_in_thread(forever)
promise.catch(on_error).finally_(loop.quit)
GLib.timeout_add(50, cancel)
loop.run()
# [/cancel]
