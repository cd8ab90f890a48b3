# python-await.py: `await` Relay promises in a coroutine on the GLib main loop
#
# PyGObject 3.42 has no asyncio integration; Relay's override drives the
# coroutine itself, one step per settled promise, on the main context.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gi
gi.require_version('Relay', '1.0')
from gi.repository import Gio, GLib, Relay


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
    except GLib.Error as error:           # Python exceptions arrive as GLib.Error
        print('caught:', error.message)

    await Relay.Promise.new_delay(10)
    return digest


digest = Relay.run_until_complete(main())
# [/await]

assert digest.startswith('2cf24d')
