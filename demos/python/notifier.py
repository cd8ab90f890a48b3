#!/usr/bin/env python3
# notifier.py: the first threading example, in Python: a notifier triggered from a thread
#
# A notifier waits, inactive, in the main loop. A thread does some work in the
# background, stores the result without a lock and triggers the notifier; the
# callback then runs on the main loop's thread and prints the result. No lock
# is needed because the trigger comes after the store and the thread never
# writes again.
#
# From the source directory: meson devenv -C build -w . python3 demos/python/notifier.py
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import threading
import time

import gi

gi.require_version('Relay', '1.0')
from gi.repository import GLib, Relay  # noqa: E402

loop = GLib.MainLoop()
result = None


def job_finished(notifier, n_triggers):
    print('Job finished! %s' % result)      # on the main loop's thread
    loop.quit()


notifier = Relay.Notifier(job_finished)


def work():
    global result
    time.sleep(1)                           # such work
    result = 42
    notifier.trigger()


threading.Thread(target=work).start()
loop.run()
