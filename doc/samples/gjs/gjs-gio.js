// gjs-gio.js: Relay's GIO wrappers return promises that GJS awaits like any
// other Relay promise (the first value, or the GLib.Error thrown)
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Relay from 'gi://Relay';

const directory = Gio.File.new_for_path(GLib.dir_make_tmp('relay-sample-gio-XXXXXX'));

// [await]
async function main() {
    const notes = directory.get_child('notes.txt');
    await Relay.file_replace_contents(notes, new GLib.Bytes('buy milk\n'), null, false,
        Gio.FileCreateFlags.NONE, null);
    const contents = await Relay.file_load_bytes(notes, null);      // a GLib.Bytes
    print('read back:', new TextDecoder().decode(contents.toArray()).trim());

    try {
        await Relay.file_load_bytes(directory.get_child('missing.txt'), null);
    } catch (e) {
        print('missing:', e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND));
    }
    notes.delete(null);
}
// [/await]

const loop = new GLib.MainLoop(null, false);
let status = 1;
main().then(() => {
    directory.delete(null);
    status = 0;
}).catch(e => {
    logError(e);
}).finally(() => loop.quit());
loop.run();
if (status !== 0)
    throw new Error('sample failed');
