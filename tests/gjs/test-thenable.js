// test-thenable.js: a Relay promise is a JavaScript thenable with Promises/A+
// semantics (the GJS override, introspection/gjs/overrides/Relay.js)
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Nothing is imported but the typelibs: the override applies itself when
// `gi://Relay` is imported, as an installed application gets it.
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Relay from 'gi://Relay?version=1.0';
import RelayExamples from 'gi://RelayExamples?version=1.0';

import System from 'system';

import {assert, assertEqual, assertGError, assertRejects, run, sleep, test, waitFor} from './harness.js';
import {IO_ERROR, rejected, resolvedInt} from './fixtures.js';

// A Relay promise settled from the main loop later, so that handlers are
// added while it is pending.
function later(settle) {
    const promise = new Relay.Promise();
    GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
        settle(promise);
        return GLib.SOURCE_REMOVE;
    });
    return promise;
}

function isThenable(value) {
    return value !== null && typeof value === 'object' && typeof value.then === 'function';
}

test('then(onFulfilled) takes one argument, returns a thenable, chains', async () => {
    const source = resolvedInt(2);
    const next = source.then(v => v * 10);
    assert(isThenable(next), 'then() returns a thenable');
    const last = next.then(v => `${v}!`).then(s => s.length).then(n => n + 0.5);
    assertEqual(await last, 3.5);
    assertEqual(await source.then(), 2);
    assertEqual(await source.then(null, null), 2);
});

test('then(undefined, onRejected) receives the GLib.Error and recovers', async () => {
    const recovered = rejected('broken', Gio.IOErrorEnum.NOT_FOUND).then(undefined, error => {
        assertGError(error, IO_ERROR, Gio.IOErrorEnum.NOT_FOUND, 'broken');
        return `recovered from ${error.message}`;
    });
    assertEqual(await recovered, 'recovered from broken');
    // A missing handler passes the rejection on, the same GLib.Error.
    const passed = await assertRejects(rejected('passed on').then(v => v).then(v => v));
    assertGError(passed, IO_ERROR, Gio.IOErrorEnum.FAILED, 'passed on');
});

test("a handler's JS value of any type fulfils the next one, unchanged", async () => {
    const object = {a: 1, nested: [1, 2]};
    const array = ['x', 2, null];
    const source = resolvedInt(1);
    assertEqual(await source.then(() => 'str'), 'str');
    assertEqual(await source.then(() => 2 ** 60), 2 ** 60);
    assertEqual(await source.then(() => -0.25), -0.25);
    assertEqual(await source.then(() => true), true);
    assert(await source.then(() => object) === object, 'the same object');
    assert(await source.then(() => array) === array, 'the same array');
    assertEqual(await source.then(() => undefined), undefined);
    assertEqual(await source.then(() => null), null);
    const big = 2n ** 70n;
    assert(await source.then(() => big) === big, 'a BigInt');
});

test('a thrown exception rejects the next one with that exception', async () => {
    const thrown = new TypeError('thrown on purpose');
    const error = await assertRejects(resolvedInt(1).then(() => {
        throw thrown;
    }));
    assert(error === thrown, `the same exception, got ${error}`);
    const fromCatch = await assertRejects(rejected('first').catch(() => {
        throw new RangeError('second');
    }));
    assert(fromCatch instanceof RangeError && fromCatch.message === 'second', `${fromCatch}`);
    const gerror = new GLib.Error(IO_ERROR, Gio.IOErrorEnum.BUSY, 'busy');
    assertGError(await assertRejects(resolvedInt(1).then(() => {
        throw gerror;
    })), IO_ERROR, Gio.IOErrorEnum.BUSY, 'busy');
});

test('a returned JS Promise, Relay promise or thenable is adopted', async () => {
    const source = resolvedInt(1);
    assertEqual(await source.then(v => Promise.resolve(v + 1)), 2);
    assertEqual(await source.then(v => later(p => p.resolve_int64(v + 2))), 3);
    assertEqual(await source.then(v => RelayExamples.add_after_delay(null, v, 3, 10)), 4);
    assertEqual(await source.then(() => ({then: resolve => resolve('thenable')})), 'thenable');
    const error = await assertRejects(source.then(() => rejected('adopted')));
    assertGError(error, IO_ERROR, Gio.IOErrorEnum.FAILED, 'adopted');
    const jsError = await assertRejects(source.then(() => Promise.reject(new Error('js'))));
    assertEqual(jsError.message, 'js');
});

test('handlers run later, once each, in the order they were added', async () => {
    const settled = resolvedInt(5);
    const order = [];
    const first = settled.then(v => order.push(['a', v]));
    assertEqual(order, [], 'then() never calls a handler synchronously');
    const pending = later(p => p.resolve_string('late'));
    const second = pending.then(v => order.push(['b', v]));
    const third = pending.then(v => order.push(['c', v]));
    await Promise.all([first, second, third]);
    assertEqual(order, [['a', 5], ['b', 'late'], ['c', 'late']]);
});

test('catch(e => ...) receives the GLib.Error, domain, code and message intact', async () => {
    let caught = null;
    const value = await later(p => p.reject_literal(IO_ERROR, Gio.IOErrorEnum.PERMISSION_DENIED,
        'no access')).catch(e => {
        caught = e;
        return 'handled';
    });
    assertEqual(value, 'handled');
    assertGError(caught, IO_ERROR, Gio.IOErrorEnum.PERMISSION_DENIED, 'no access');
    assert(caught.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.PERMISSION_DENIED));
    const relay = new Relay.Promise();
    relay.reject_literal(Relay.error_quark(), Relay.Error.ABANDONED, 'gone');
    assertGError(await relay.catch(e => e), Relay.error_quark(), Relay.Error.ABANDONED, 'gone');
    // catch on a fulfilled promise passes the value on and does not call the handler.
    let called = false;
    assertEqual(await resolvedInt(7).catch(() => {
        called = true;
    }), 7);
    assert(!called);
    assertEqual(await resolvedInt(8).catch(), 8);
});

test('finally runs on both outcomes and passes the outcome through', async () => {
    const calls = [];
    assertEqual(await resolvedInt(3).finally((...args) => calls.push(args.length)), 3);
    const error = await assertRejects(rejected('kept').finally(() => calls.push('r')));
    assertGError(error, IO_ERROR, Gio.IOErrorEnum.FAILED, 'kept');
    assertEqual(calls, [0, 'r']);
    assertEqual(await resolvedInt(4).finally(), 4);
    // Its own exception or rejected promise replaces the outcome; it waits for
    // a promise it returns.
    const replaced = await assertRejects(resolvedInt(1).finally(() => {
        throw new Error('cleanup failed');
    }));
    assertEqual(replaced.message, 'cleanup failed');
    let cleaned = false;
    assertEqual(await resolvedInt(9).finally(() => later(p => {
        cleaned = true;
        p.resolve_int64(0);
    })), 9);
    assert(cleaned, 'finally waited for the promise it returned');
});

test('try { await p } catches the GLib.Error', async () => {
    try {
        await later(p => p.reject_literal(IO_ERROR, Gio.IOErrorEnum.TIMED_OUT, 'late'));
        assert(false, 'not reached');
    } catch (e) {
        assertGError(e, IO_ERROR, Gio.IOErrorEnum.TIMED_OUT, 'late');
    }
});

test('await gives one value, several as an array, none as undefined', async () => {
    assertEqual(await later(p => p.resolve_string('one')), 'one');
    assertEqual(await later(p => p.resolve_values([1, 'two', 3.5])), [1, 'two', 3.5]);
    const division = await RelayExamples.floor_divide(null, -7, 2, 0);
    assertEqual(division, [-4, 1]);
    assertEqual(await later(p => p.resolve_values([])), undefined);
    assertEqual(await Relay.Promise.new_delay(1), undefined);
    const action = Gio.SimpleAction.new('act', null);
    assert(await later(p => p.resolve_object(action)) === action, 'the same object');
});

test('Relay.Promise.all: an array of values, mixing Relay, JS promises and plain values', async () => {
    const values = await Relay.Promise.all([
        later(p => p.resolve_int64(1)),
        Promise.resolve('two'),
        3,
        RelayExamples.floor_divide(null, 7, 2, 0),
        RelayExamples.add_after_delay(null, 2, 3, 20),
    ]);
    assertEqual(values, [1, 'two', 3, [3, 1], 5]);
    assertEqual(await Relay.Promise.all([resolvedInt(1)]), [1]);
    assertEqual(await Relay.Promise.all([]), []);
    assertEqual(await Relay.Promise.all(new Set([resolvedInt(4), 5])), [4, 5]);
    const error = await assertRejects(Relay.Promise.all([resolvedInt(1), rejected('second'), 3]));
    assertGError(error, IO_ERROR, Gio.IOErrorEnum.FAILED, 'second');
});

test('Relay.Promise.all_settled: {status, value} and {status, reason}', async () => {
    const jsError = new Error('js');
    const settled = await Relay.Promise.all_settled([
        resolvedInt(1), rejected('relay'), Promise.reject(jsError), 'plain',
    ]);
    assertEqual(settled.length, 4);
    assertEqual(settled[0], {status: 'fulfilled', value: 1});
    assertEqual(settled[1].status, 'rejected');
    assertGError(settled[1].reason, IO_ERROR, Gio.IOErrorEnum.FAILED, 'relay');
    assertEqual(Object.keys(settled[1]), ['status', 'reason']);
    assert(settled[2].status === 'rejected' && settled[2].reason === jsError);
    assertEqual(settled[3], {status: 'fulfilled', value: 'plain'});
    assert(Relay.Promise.allSettled === Relay.Promise.all_settled, 'the JS name too');
    assertEqual(await Relay.Promise.all_settled([]), []);
});

test('Relay.Promise.any and race as in JavaScript', async () => {
    assertEqual(await Relay.Promise.any([rejected('a'), later(p => p.resolve_int64(9)), new Relay.Promise()]), 9);
    assertEqual(await Relay.Promise.any([Promise.reject(new Error('x')), 'plain']), 'plain');
    const none = await assertRejects(Relay.Promise.any([rejected('a'), Promise.reject(new Error('b'))]));
    assert(none instanceof AggregateError, `an AggregateError, got ${none}`);
    assertGError(none.errors[0], IO_ERROR, Gio.IOErrorEnum.FAILED, 'a');
    assertEqual(none.errors[1].message, 'b');
    assert((await assertRejects(Relay.Promise.any([]))) instanceof AggregateError);

    const never = new Relay.Promise();
    assertEqual(await Relay.Promise.race([never, later(p => p.resolve_string('first'))]), 'first');
    assert(never.is_pending());
    const lost = await assertRejects(Relay.Promise.race([never, rejected('lost')]));
    assertGError(lost, IO_ERROR, Gio.IOErrorEnum.FAILED, 'lost');
    assertEqual(await Relay.Promise.race([never, Promise.resolve(1)]), 1);
});

test('chain handlers may return JS values and throw, like then handlers', async () => {
    // chain() is the C then: the handler gets the settled promise.
    const strung = resolvedInt(1).chain(p => `str ${p.get_int64()}`, null);
    assertEqual(await strung, 'str 1');
    assertEqual(strung.get_string(), 'str 1');
    assertEqual(await resolvedInt(2).chain(p => p.get_int64() * 2, null), 4);
    assertEqual(await resolvedInt(2).chain(() => undefined, null), undefined);
    assertEqual(await resolvedInt(2).chain(() => Promise.resolve('js'), null), 'js');
    assertEqual(await rejected('x').chain(null, p => p.get_error().message), 'x');
    const error = await assertRejects(resolvedInt(1).chain(() => {
        throw new GLib.Error(IO_ERROR, Gio.IOErrorEnum.BUSY, 'thrown');
    }, null));
    assertGError(error, IO_ERROR, Gio.IOErrorEnum.BUSY, 'thrown');
    const jsError = await assertRejects(resolvedInt(1).chain(() => {
        throw new TypeError('js thrown');
    }, null));
    assertGError(jsError, Relay.error_quark(), Relay.Error.FAILED, 'TypeError: js thrown');
});

test('a job awaited with progress, cancelled through a Gio.Cancellable', async () => {
    const fractions = [];
    const job = RelayExamples.count_primes(null, 300000);
    job.connect('notify::progress', p => fractions.push(p.progress));
    assertEqual(await job.then(n => n), 25997);
    await waitFor(() => fractions.at(-1) === 1, 'the last progress');

    const cancellable = new Gio.Cancellable();
    const endless = RelayExamples.count_primes(null, 4000000000).cancelWith(cancellable);
    assert(endless instanceof Relay.Promise, 'cancelWith returns the promise');
    await waitFor(() => endless.progress > 0, 'the job to start');
    cancellable.cancel();
    assertGError(await assertRejects(endless), IO_ERROR, Gio.IOErrorEnum.CANCELLED);

    const cancelled = new Gio.Cancellable();
    cancelled.cancel();
    const early = RelayExamples.add_after_delay(null, 1, 1, 3600000).cancelWith(cancelled);
    assertGError(await assertRejects(early), IO_ERROR, Gio.IOErrorEnum.CANCELLED);
    assertEqual(await RelayExamples.add_after_delay(null, 1, 1, 0).cancelWith(null), 2);
});

test('many chained thens over many promises interleave correctly', async () => {
    const jobs = [];
    for (let i = 0; i < 200; i++) {
        const source = i % 2 ? later(p => p.resolve_int64(i)) : RelayExamples.add_after_delay(null, i, 0, 0);
        jobs.push(source.then(v => [v]).then(([v]) => Promise.resolve(v * 2)).catch(() => -1));
    }
    const results = await Relay.Promise.all(jobs);
    assertEqual(results, jobs.map((_, i) => i * 2));
});

test('a promise only JavaScript reactions reference stays alive until it settles', async () => {
    // Without a reference from the override, the garbage collector would drop
    // the wrapper and with it the reactions (GJS logs a critical when C calls
    // them back): then() would never settle.
    let weak = null;
    const derived = (() => {
        const source = new Relay.Promise();
        weak = new WeakRef(source);
        return source.then(v => v * 2);
    })();
    const caught = (() => new Relay.Promise().catch(e => e))();
    for (let i = 0; i < 10; i++) {
        System.gc();
        await sleep(1);     // a WeakRef holds its target until the job ends
    }
    const source = weak.deref();
    assert(source instanceof Relay.Promise, 'the awaited promise is alive');
    source.resolve_int64(21);
    assertEqual(await derived, 42);
    assert(caught instanceof Promise);
});

test('misuse: a non-iterable rejects a combinator, a non-function handler throws from chain', async () => {
    for (const combinator of [Relay.Promise.all, Relay.Promise.all_settled, Relay.Promise.any,
        Relay.Promise.race]) {
        const error = await assertRejects(combinator(5));
        assert(error instanceof TypeError && error.message.includes('is not iterable'), `${error}`);
    }
    const promise = resolvedInt(1);
    for (const call of [() => promise.chain(5, null), () => promise.chain(null, 'x'),
        () => promise.catch_error(IO_ERROR, -1, {})]) {
        try {
            call();
            assert(false, 'not reached');
        } catch (e) {
            assert(e instanceof TypeError && e.message.includes('takes functions or null'), `${e}`);
        }
    }
    // then, catch and finally ignore a handler that is not a function, as in
    // JavaScript.
    assertEqual(await promise.then(5, 'x'), 1);
    assertEqual(await promise.finally(7), 1);
    // A value a Relay promise cannot hold rejects the chained promise, saying so.
    const object = {plain: 'object'};
    assert(await promise.chain(() => object, null) === object, 'GJS wraps a JS object in a GValue');
    const error = await assertRejects(promise.chain(() => ['an', 'array'], null));
    assertGError(error, Relay.error_quark(), Relay.Error.FAILED, 'use then()');
});

test('stress: jobs settling on workers race a cancellation from the main thread', async () => {
    // Every round starts jobs on a 3-thread pool, awaits one of them, then
    // cancels the cancellable they share while the others finish on the
    // workers or wait in the queue. Each job ends exactly once, either with
    // its value or with CANCELLED, whichever came first; the awaited one is
    // fulfilled; a JavaScript reaction never runs twice.
    const pool = Relay.Pool.new(3);
    let fulfilled = 0, cancelled = 0;
    try {
        for (let round = 0; round < 30; round++) {
            const cancellable = new Gio.Cancellable();
            const calls = new Array(20).fill(0);
            const jobs = calls.map((_, i) => RelayExamples.add_after_delay(pool, i, round, i % 4)
                .cancelWith(cancellable));
            const outcomes = jobs.map((job, i) => job.then(value => {
                calls[i]++;
                return {value};
            }, error => {
                calls[i]++;
                return {error};
            }));
            // Cancelled once job k is done: jobs before it in the queue are
            // mostly done, those after it mostly not.
            const k = round % jobs.length;
            assertEqual(await jobs[k], k + round);
            cancellable.cancel();
            const settled = await Relay.Promise.all(outcomes);
            settled.forEach(({value, error}, i) => {
                if (error === undefined) {
                    assertEqual(value, i + round, `job ${i} of round ${round}:`);
                    fulfilled++;
                } else {
                    assertGError(error, IO_ERROR, Gio.IOErrorEnum.CANCELLED);
                    cancelled++;
                }
            });
            assertEqual(calls, calls.map(() => 1), 'each reaction ran once:');
            assert(jobs.every(job => !job.is_pending()));
        }
    } finally {
        pool.shutdown();
    }
    assert(fulfilled >= 30, 'the awaited job of every round was fulfilled');
    print(`# ${fulfilled} fulfilled, ${cancelled} cancelled`);
});

run();
