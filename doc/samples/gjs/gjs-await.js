// gjs-await.js: awaiting Relay promises in GJS
//
// Relay's GJS override, which GJS applies when `gi://Relay` is imported, makes
// a Relay promise a JavaScript thenable: `await promise` gives its value (an
// array for several, undefined for none) or throws its GLib.Error.
// Gio._promisify on wait_async gives the first value through GIO.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Relay from 'gi://Relay';

// [await]
async function main() {
    const answer = Relay.Promise.new_resolved_values([42]);
    const value = await answer;
    print('awaited:', value);

    const failed = new Relay.Promise();
    failed.reject_literal(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND, 'no such file');
    try {
        await failed;
        throw new Error('not reached');
    } catch (e) {
        print('caught:', e.message, e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND));
        seen.push(e.code);
    }

    const nothing = await Relay.Promise.new_delay(10);   // fulfilled with no values
    print('10 ms later:', nothing);                      // undefined
    const pair = await Relay.Promise.new_resolved_values([4, 2]);
    print('two values:', pair);                          // [4, 2]
    seen.push(value, nothing, pair);
}
// [/await]

// [promisify]
Gio._promisify(Relay.Promise.prototype, 'wait_async', 'wait_finish');

async function viaGio() {
    const promise = new Relay.Promise();
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, 10, () => {
        promise.resolve_string('from a timeout');
        return GLib.SOURCE_REMOVE;
    });
    const value = await promise.wait_async(null);
    print('wait_async:', value);
    seen.push(value);
}
// [/promisify]

const loop = new GLib.MainLoop(null, false);
const seen = [];
let status = 1;
main().then(viaGio).then(() => {
    const expected = [Gio.IOErrorEnum.NOT_FOUND, 42, undefined, [4, 2], 'from a timeout'];
    if (JSON.stringify(seen) === JSON.stringify(expected) && seen[2] === undefined)
        status = 0;
    else
        print('unexpected:', JSON.stringify(seen));
}).catch(e => {
    logError(e);
}).finally(() => loop.quit());
loop.run();
if (status !== 0)
    throw new Error('sample failed');
