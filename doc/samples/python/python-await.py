# python-await.py: `await` Relay promises with asyncio, or with Relay's runner
#
# Under asyncio.run() (any asyncio loop), the loop iterates the promise's GLib
# main context while a Relay promise is awaited, so handlers still run on this
# thread. Relay.run_until_complete() does the same on a GLib main loop.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio

import gi
gi.require_version('Relay', '1.0')
from gi.repository import GLib, Relay


def checksum(job, data):
    return GLib.compute_checksum_for_data(GLib.ChecksumType.SHA256, data)


def fail(job):
    raise ValueError('bad input')


# [await]
async def main():
    digest = await Relay.run_in_thread(checksum, b'hello')
    print('sha256:', digest)

    try:
        await Relay.run_in_thread(fail)
    except ValueError as error:           # the job's own exception, traceback kept
        print('caught:', repr(error))

    # Both at once: a list of their results.
    sizes = await Relay.all([Relay.run_in_thread(lambda job, data: len(data), b'four'),
                             Relay.Promise.new_delay(10).then(lambda _: 2)])
    print('all:', sizes)
    return digest


digest = asyncio.run(main())              # standard asyncio
# [/await]
assert digest.startswith('2cf24d')

# [runner]
digest = Relay.run_until_complete(main())  # the same coroutine on a GLib main loop
# [/runner]
assert digest.startswith('2cf24d')
