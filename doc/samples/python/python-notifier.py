# python-notifier.py: a notifier triggered from a Python thread
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import threading
import time

import gi
gi.require_version('Relay', '1.0')
from gi.repository import GLib, Relay

main_thread = threading.current_thread()
loop = GLib.MainLoop()
result = None


# [notifier]
def job_finished(notifier, n_triggers):
    assert threading.current_thread() is main_thread
    print('Job finished!', result)
    loop.quit()
    return GLib.SOURCE_REMOVE    # done: the notifier leaves the context


def worker(notifier):
    global result
    time.sleep(0.1)          # such work
    result = 42
    notifier.trigger()


notifier = Relay.Notifier(job_finished)
threading.Thread(target=worker, args=(notifier,)).start()
loop.run()
# [/notifier]

assert result == 42
assert not notifier.trigger()   # its callback returned GLib.SOURCE_REMOVE
