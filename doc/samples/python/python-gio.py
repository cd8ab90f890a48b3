# python-gio.py: GIO calls as awaitable promises
#
# PyGObject 3.42 cannot await a GIO call. Relay's wrappers, such as
# Relay.file_load_bytes(), return promises, and Relay.Promise.from_async()
# makes one from any _async/_finish pair.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import shutil
import tempfile

import gi
gi.require_version('Relay', '1.0')
from gi.repository import Gio, GLib, Relay

directory = Gio.File.new_for_path(tempfile.mkdtemp(prefix='relay-sample-gio-'))


# [await]
async def main():
    notes = directory.get_child('notes.txt')
    await Relay.file_replace_contents(notes, GLib.Bytes.new(b'buy milk\n'), None, False,
                                      Gio.FileCreateFlags.NONE, None)
    contents = await Relay.file_load_bytes(notes, None)         # a GLib.Bytes
    print('read back:', contents.get_data().decode(), end='')

    try:
        await Relay.file_load_bytes(directory.get_child('missing.txt'), None)
    except GLib.Error as error:                                 # domain and code intact
        print('missing:', error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND))

    # Any other _async/_finish pair; the promise is fulfilled with what the
    # finish function returns.
    info = await Relay.Promise.from_async(notes.query_info_async, notes.query_info_finish,
                                          'standard::size', Gio.FileQueryInfoFlags.NONE,
                                          GLib.PRIORITY_DEFAULT)
    print('size:', info.get_size())

    # Two values, stdout and stderr, come back as a tuple.
    child = Gio.Subprocess.new(['/bin/sh', '-c', 'echo out; echo err >&2'],
                               Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_PIPE)
    out, err = await Relay.subprocess_communicate(child, None, None)
    return out.get_data(), err.get_data()


out, err = Relay.run_until_complete(main(), timeout=10)
# [/await]

shutil.rmtree(directory.get_path())
assert (out, err) == (b'out\n', b'err\n')
