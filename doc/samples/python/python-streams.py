# python-streams.py: `async for` over a channel that a worker streams into,
# under Relay's own runner and under plain asyncio
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio

import gi
gi.require_version('Relay', '1.0')
from gi.repository import Relay  # noqa: E402


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


# [asyncio]
async def words():
    channel = Relay.Channel(2)

    async def produce():
        for word in ('one', 'two', 'three', 'four'):
            await channel.send_string(word)   # waits while the channel is full
        channel.close()                       # the end of the stream

    producer = asyncio.ensure_future(produce())
    received = [word async for word in channel]
    await producer
    return received


received = asyncio.run(words())               # a plain asyncio loop
# [/asyncio]

print('words:', ' '.join(received))
assert received == ['one', 'two', 'three', 'four']
