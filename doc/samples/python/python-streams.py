# python-streams.py: `async for` over a channel that a worker streams into
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gi
gi.require_version('Relay', '1.0')
from gi.repository import GLib, Relay


# [stream]
def squares(job, channel):
    # On a worker thread: each push blocks while the channel is full.
    for i in range(1000):
        if not channel.push_int64(i * i, job.get_cancellable()):
            return                        # cancelled, or closed by the receiver


async def main():
    total = 0
    async for square in Relay.stream_in_thread(32, None, squares):
        total += square                   # on the main thread, one value at a time
    return total                          # the loop ends when the job returned


total = Relay.run_until_complete(main())
# [/stream]

print('sum of squares:', total)
assert total == sum(i * i for i in range(1000))
