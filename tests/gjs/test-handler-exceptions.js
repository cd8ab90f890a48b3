// test-handler-exceptions.js: JavaScript exceptions in handlers never crash
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// GJS reports an exception thrown by a callback from C as a critical ("JS
// ERROR") and returns null to C, so this file runs without
// G_DEBUG=fatal-criticals. In an async function, the same exception simply
// rejects the JavaScript promise.
import Gio from 'gi://Gio';
import Relay from 'gi://Relay?version=1.0';
import RelayExamples from 'gi://RelayExamples?version=1.0';

import {assert, assertEqual, assertRejects, run, test, waitFor} from './harness.js';

function resolvedInt(value) {
    const promise = new Relay.Promise();
    promise.resolve_int64(value);
    return promise;
}

function outcome(promise) {
    return new Promise(resolve => promise.then(value => resolve({value}), error => resolve({error})));
}

test('a throwing chain handler is logged and returns null: fulfilled with no values', async () => {
    const derived = resolvedInt(1).chain(() => {
        throw new Error('thrown on purpose in a chain handler (GJS logs it)');
    }, null);
    assertEqual(await outcome(derived), {value: null});
    assertEqual(derived.get_n_values(), 0);
});

test('a throwing then callback is logged; later handlers still run', async () => {
    const source = resolvedInt(2);
    source.then(() => {
        throw new Error('thrown on purpose in a then callback (GJS logs it)');
    }, null);
    assertEqual(await outcome(source), {value: 2});
});

test('a throwing notifier callback is logged and the notifier is done, like a GLib source', async () => {
    let calls = 0;
    const notifier = Relay.Notifier.new(() => {
        calls++;
        throw new Error('thrown on purpose in a notifier callback (GJS logs it)');
    });
    await RelayExamples.trigger_after_work(null, notifier, 0, 1, 0);
    await waitFor(() => calls === 1, 'the first notifier call');
    assert(!notifier.trigger());
    assertEqual(calls, 1);
    notifier.destroy();
});

test('an exception after await rejects the async function', async () => {
    const error = await assertRejects(async () => {
        const sum = await RelayExamples.add_after_delay(null, 4, 5, 0);
        throw new Gio.IOErrorEnum({code: Gio.IOErrorEnum.FAILED, message: `sum ${sum}`});
    });
    assert(error.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED));
    assertEqual(error.message, 'sum 9');
});

test('a JS function as a pool job is refused by GJS; the promise rejects', async () => {
    // GJS cannot run JavaScript on a worker thread: it blocks the call with a
    // critical, the job returns nothing, and Relay rejects the promise.
    const job = Relay.run_in_thread(null, () => 42);
    const error = await assertRejects(job);
    assert(error.matches(Relay.Error, Relay.Error.NO_RESULT), `${error}`);
});

Gio._promisify(Relay.Promise.prototype, 'wait_async', 'wait_finish');
run();
