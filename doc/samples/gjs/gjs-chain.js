// gjs-chain.js: then, catch, finally and the combinators from GJS, as in
// JavaScript, and chain, the C then
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Relay from 'gi://Relay';

const loop = new GLib.MainLoop(null, false);
const results = [];

// [then]
const delay = Relay.Promise.new_delay(10);       // fulfilled with no values
const total = delay
    .then(() => Relay.Promise.new_resolved_values([2, 3]))   // adopted: [2, 3]
    .then(([a, b]) => a + b)                     // any JS value fulfils the next
    .then(sum => {
        if (sum !== 5)
            throw new Error(`bad sum ${sum}`);   // a throw rejects the next
        return `sum = ${sum}`;
    })
    .finally(() => print('done adding'));

const failed = new Relay.Promise();
const recovered = failed.catch(e => {
    print('recovered from:', e.message, e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED));
    return 'fallback';
});
failed.reject_literal(Gio.io_error_quark(), Gio.IOErrorEnum.FAILED, 'boom');
// [/then]

// [chain]
// chain is the C then: the handler gets the settled Relay promise, and its
// result is a Relay promise too (cancellable, with progress, usable from C).
const doubled = Relay.Promise.new_resolved_values([21]).chain(p => p.get_value(0) * 2, null);
// [/chain]

// [all]
Relay.Promise.all([total, recovered, doubled, Promise.resolve('js'), 'plain']).then(values => {
    print('all:', JSON.stringify(values));
    results.push(...values);
    return Relay.Promise.all_settled([failed, doubled]);
}).then(settled => {
    print('all_settled:', settled.map(s => s.status).join(', '));
    results.push(settled[0].reason.message, settled[1].value);
}).catch(logError).finally(() => loop.quit());
// [/all]

loop.run();
if (JSON.stringify(results) !== JSON.stringify(['sum = 5', 'fallback', 42, 'js', 'plain', 'boom', 42]))
    throw new Error(`sample failed: ${JSON.stringify(results)}`);
