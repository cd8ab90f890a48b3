// gjs-chain.js: chain, catch and the combinators from GJS
//
// In bindings the C `relay_promise_then` (the handler receives the settled
// promise and may return a promise to adopt) is `chain`.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Relay from 'gi://Relay';

const loop = new GLib.MainLoop(null, false);
let ok = false;

// [chain]
const first = Relay.Promise.new_delay(10);
const second = first.chain(() => Relay.Promise.new_resolved_values([2, 3]), null);
const summed = second.chain(p => {
    const [a, b] = [p.get_value(0), p.get_value(1)];
    print('values:', a, b);
    return Relay.Promise.new_resolved_values([a + b]);
}, null);
// [/chain]

// [all]
const failed = new Relay.Promise();
const all = Relay.Promise.all([summed, Relay.Promise.new_resolved_values(['x'])]);
const recovered = failed.catch(p => {
    print('recovered from:', p.get_error().message);
    return null;                 // handled: fulfilled with no values
});
failed.reject_literal(Gio.io_error_quark(), Gio.IOErrorEnum.FAILED, 'boom');

Relay.Promise.all_settled([all, recovered]).then(() => {
    const inputs = all.get_n_values();
    const sum = all.get_value(0);                // input 0's value
    print('all:', inputs, 'inputs, sum =', sum);
    ok = sum === 5;
    loop.quit();
}, null);
// [/all]

loop.run();
if (!ok)
    throw new Error('sample failed');
