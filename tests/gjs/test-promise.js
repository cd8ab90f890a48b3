// test-promise.js: Relay.Promise from GJS: settling, values, then/chain,
// errors as GLib.Error (the JavaScript semantics of then, catch, finally and
// the combinators are in test-thenable.js)
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Relay from 'gi://Relay?version=1.0';

import {assert, assertEqual, assertGError, run, sleep, test, waitFor} from './harness.js';
import {IO_ERROR, rejected, resolvedInt} from './fixtures.js';

// Settled through then() (the override's, built on relay_promise_then_values()).
function outcome(promise) {
    return new Promise(resolve => promise.then(
        value => resolve({value}),
        error => resolve({error})));
}

test('first settle wins and state notifies', async () => {
    const promise = new Relay.Promise();
    const states = [];
    promise.connect('notify::state', p => states.push(p.state));
    assertEqual(promise.state, Relay.PromiseState.PENDING);
    assert(promise.resolve_string('first'));
    assert(!promise.resolve_string('second'));
    assert(!promise.reject_literal(IO_ERROR, 0, 'late'));
    assertEqual(await outcome(promise), {value: 'first'});
    assertEqual(states, [Relay.PromiseState.FULFILLED]);
});

test('a plain notify handler hears the state', async () => {
    const promise = new Relay.Promise();
    const names = [];
    promise.connect('notify', (p, pspec) => names.push(pspec.name));
    promise.resolve_int64(3);
    assertEqual(await outcome(promise), {value: 3});
    assertEqual(names, ['state']);
});

test('values of several types', async () => {
    const p = new Relay.Promise();
    p.resolve_double(2.5);
    assertEqual((await outcome(p)).value, 2.5);
    const b = new Relay.Promise();
    b.resolve_boolean(true);
    assertEqual((await outcome(b)).value, true);
    const o = new Relay.Promise();
    const action = Gio.SimpleAction.new('act', null);
    o.resolve_object(action);
    assert((await outcome(o)).value === action, 'the same object comes back');
    // No values: resolve_values([]), undefined in JavaScript. GJS turns a JS
    // null into a GValue holding null, so resolve(null) gives one (null) value.
    const none = new Relay.Promise();
    none.resolve_values([]);
    assertEqual(none.get_n_values(), 0);
    assertEqual((await outcome(none)).value, undefined);
    const nullValue = new Relay.Promise();
    nullValue.resolve(null);
    assertEqual(nullValue.get_n_values(), 1);
    assertEqual(nullValue.get_value(0), null);
});

test('then hands over the value or the GLib.Error, later, in order', async () => {
    const promise = new Relay.Promise();
    const order = [];
    promise.then(v => order.push(['a', v]), null);
    promise.then(v => order.push(['b', v]), null);
    promise.resolve_int64(7);
    assertEqual(order, []);
    await waitFor(() => order.length === 2);
    assertEqual(order, [['a', 7], ['b', 7]]);
    const {error} = await outcome(rejected('broken', Gio.IOErrorEnum.NOT_FOUND));
    assertGError(error, IO_ERROR, Gio.IOErrorEnum.NOT_FOUND, 'broken');
    assert(error.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND));
});

test('chain is the C then: handlers get the promise; returning it passes, null empties, a promise is adopted', async () => {
    const source = resolvedInt(10);
    const seen = [];
    const passed = source.chain(p => {
        seen.push(p.get_int64());
        return p;
    }, null);
    const emptied = source.chain(() => null, null);
    const adopted = source.chain(p => resolvedInt(p.get_int64() + 1), null);
    const caught = rejected('oops').chain(null, p => resolvedInt(p.get_error().message.length));
    assertEqual(await outcome(passed), {value: 10});
    assertEqual(await outcome(emptied), {value: undefined});
    assertEqual(emptied.get_n_values(), 0);
    assertEqual(await outcome(adopted), {value: 11});
    assertEqual(await outcome(caught), {value: 4});
    assertEqual(seen, [10]);
});

test('catch, finally, catch_error and tap', async () => {
    const handled = rejected('bad').catch(error => resolvedInt(error.code));
    assertEqual(await outcome(handled), {value: Gio.IOErrorEnum.FAILED});

    let cleaned = false;
    const kept = resolvedInt(3).finally(() => {
        cleaned = true;
        return null;
    });
    assertEqual(await outcome(kept), {value: 3});
    assert(cleaned);

    const notIo = new Relay.Promise();
    notIo.reject_literal(Relay.error_quark(), Relay.Error.FAILED, 'relay');
    const filtered = notIo.catch_error(IO_ERROR, -1, () => resolvedInt(0));
    assertGError((await outcome(filtered)).error, Relay.error_quark(), Relay.Error.FAILED, 'relay');

    const seen = [];
    const tapped = resolvedInt(5).tap(p => seen.push(p.get_int64()));
    assertEqual(await outcome(tapped), {value: 5});
    assertEqual(seen, [5]);
});

test('all, all_settled, any, race over Relay promises', async () => {
    const slow = Relay.Promise.new_delay(30).chain(() => resolvedInt(1), null);
    assertEqual(await Relay.Promise.all([slow, resolvedInt(2), resolvedInt(3)]), [1, 2, 3]);

    const allBad = Relay.Promise.all([resolvedInt(1), rejected('second')]);
    assertGError((await outcome(allBad)).error, IO_ERROR, Gio.IOErrorEnum.FAILED, 'second');

    const settled = await Relay.Promise.all_settled([resolvedInt(1), rejected('x')]);
    assertEqual(settled.map(s => s.status), ['fulfilled', 'rejected']);

    assertEqual(await outcome(Relay.Promise.any([rejected('a'), resolvedInt(9)])), {value: 9});
    const none = (await outcome(Relay.Promise.any([rejected('a'), rejected('b')]))).error;
    assert(none instanceof AggregateError, `${none}`);
    assertEqual(none.errors.map(e => e.message), ['a', 'b']);

    const never = new Relay.Promise();   // kept, so never abandoned either
    assertEqual(await outcome(Relay.Promise.race([never, resolvedInt(4)])), {value: 4});
    assert(never.is_pending());

    assertEqual(await Relay.Promise.all([]), []);
    let raced = false;
    Relay.Promise.race([]).then(() => {
        raced = true;
    });
    await sleep(10);
    assert(!raced, 'a race of nothing stays pending');
});

test('delay, timeout and cancel', async () => {
    const start = GLib.get_monotonic_time();
    await outcome(Relay.Promise.new_delay(50));
    assert(GLib.get_monotonic_time() - start >= 45000, 'the delay waited');

    const slow = new Relay.Promise();     // settles only if cancelled: the timeout wins
    const timed = slow.timeout(20);
    assertGError((await outcome(timed)).error, IO_ERROR, Gio.IOErrorEnum.TIMED_OUT);
    assertGError(slow.get_error(), IO_ERROR, Gio.IOErrorEnum.CANCELLED);

    const pending = new Relay.Promise();
    const cancellable = pending.get_cancellable();
    assert(pending.cancel());
    assert(cancellable.is_cancelled());
    assertGError((await outcome(pending)).error, IO_ERROR, Gio.IOErrorEnum.CANCELLED);
});

run();
