// test-misuse.js: Relay misused from GJS: wrong-type arguments, settling
// twice, trigger after destroy, throwing handlers, awaiting abandoned and
// cancelled promises. Each gets an exception, a false, a rejection or a
// logged critical, and never a crash or a hang.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// This file runs with G_DEBUG=fatal-criticals like the others. GJS logs an
// exception thrown by a callback from C as a critical ("JS ERROR"), so the
// throwing-handler cases run in a child gjs (this script with --child) without
// G_DEBUG, and the test asserts on the child's output and exit status.
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Relay from 'gi://Relay?version=1.0';
import System from 'system';

import {STALL_MS, assert, assertEqual, assertGError, assertRejects, guard, run, sleep, test, waitFor} from './harness.js';
import {IO_ERROR, rejected, resolvedInt} from './fixtures.js';

// Settled through then() (the override's, built on relay_promise_then_values()).
function outcome(promise) {
    return new Promise(resolve => promise.then(
        value => resolve({value}),
        error => resolve({error})));
}

function assertThrows(func, errorClass, messagePart) {
    try {
        func();
    } catch (error) {
        assert(error.constructor === errorClass,
            `expected ${errorClass.name}, got ${error.constructor.name}: ${error.message}`);
        assert(error.message.includes(messagePart), `"${error.message}" lacks "${messagePart}"`);
        return error;
    }
    throw new Error(`expected a ${errorClass.name} with "${messagePart}"`);
}

// --- child mode: cases that make GJS log criticals ------------------------

async function childThrowingHandlers() {
    const results = {};
    const one = resolvedInt(1);
    // chain's on_fulfilled throws: the override turns the exception into a
    // rejection (Relay.Error.FAILED), nothing is logged.
    const passed = one.chain(() => {
        throw new Error('chain handler threw on purpose');
    }, null);
    results.chain = (await outcome(passed)).error.message;
    // on_rejected throws: the same.
    const swallowed = rejected('original').chain(null, () => {
        throw new Error('catch handler threw on purpose');
    });
    results.catchError = (await outcome(swallowed)).error.message;
    // A handler returning a value that is not a promise fulfils with it.
    results.wrongReturn = await outcome(one.chain(() => 42, null));
    // A throwing then callback rejects its own result; later callbacks still run.
    results.thenError = (await outcome(one.then(() => {
        throw new Error('then callback threw on purpose');
    }))).error.message;
    results.later = await outcome(one);
    // A throwing notifier callback: logged, and the notifier is done, as a
    // GLib source whose callback throws.
    let calls = 0;
    const notifier = Relay.Notifier.new(() => {
        calls++;
        throw new Error('notifier callback threw on purpose');
    });
    notifier.trigger();
    await waitFor(() => calls === 1, 'the first notifier call');
    results.triggerAfterThrow = notifier.trigger();
    notifier.destroy();
    results.notifierCalls = calls;
    results.triggerAfterDestroy = notifier.trigger();
    print(`RESULT ${JSON.stringify(results)}`);
}

function runChild(name) {
    const loop = new GLib.MainLoop(null, false);
    let status = 0;
    const cases = {'throwing-handlers': childThrowingHandlers};
    cases[name]().catch(error => {
        print(`CHILD FAILED ${error}\n${error.stack}`);
        status = 1;
    }).finally(() => loop.quit());
    loop.run();
    System.exit(status);
}

function spawnChild(name) {
    const launcher = new Gio.SubprocessLauncher({
        flags: Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_PIPE,
    });
    launcher.unsetenv('G_DEBUG');
    const gjs = GLib.file_read_link('/proc/self/exe');
    const script = GLib.filename_from_uri(import.meta.url)[0];
    const child = launcher.spawnv([gjs, '-m', script, '--child', name]);
    return new Promise((resolve, reject) => {
        const id = GLib.timeout_add(GLib.PRIORITY_DEFAULT, STALL_MS, () => {
            child.force_exit();
            reject(new Error(`child ${name} made no progress for ${STALL_MS / 1000} s`));
            return GLib.SOURCE_REMOVE;
        });
        child.communicate_utf8_async(null, null, (proc, result) => {
            GLib.source_remove(id);
            try {
                const [, stdout, stderr] = proc.communicate_utf8_finish(result);
                resolve({
                    exited: proc.get_if_exited(),
                    status: proc.get_if_exited() ? proc.get_exit_status() : -1,
                    stdout,
                    stderr,
                });
            } catch (error) {
                reject(error);
            }
        });
    });
}

// --- tests ----------------------------------------------------------------

test('wrong-type objects throw TypeError from GJS marshalling', () => {
    const promise = new Relay.Promise();
    const notifier = Relay.Notifier.new(() => {});
    assertThrows(() => Relay.Notifier.prototype.trigger.call(promise), TypeError,
        'cannot convert to RelayNotifier');
    assertThrows(() => Relay.Notifier.prototype.destroy.call({}), TypeError,
        'is not a subclass of GObject_Object');
    assertThrows(() => promise.reject(new Error('a JS Error is not a GLib.Error')), TypeError,
        'is not a subclass of GLib_Error');
    assertThrows(() => promise.resolve_int64(), TypeError, 'At least 1 argument required');
    assert(promise.is_pending(), 'nothing reached the promise');
    assert(!notifier.is_destroyed());
    notifier.destroy();
});

test('wrong-type values throw Error from GJS marshalling', async () => {
    const promise = new Relay.Promise();
    // The combinators take any values, as JavaScript's; a non-iterable
    // rejects their result with a TypeError.
    for (const combinator of [Relay.Promise.all, Relay.Promise.all_settled, Relay.Promise.any, Relay.Promise.race]) {
        const error = await assertRejects(combinator(5));
        assert(error instanceof TypeError, `${error}`);
    }
    assertThrows(() => promise.resolve_object('text'), Error,
        "Expected an object of type GObject for argument 'object' but got type string");
    assertThrows(() => promise.reject('text'), Error, "Expected type error for Argument 'error'");
    assertThrows(() => promise.reject(null), Error, "Argument 'error' (type error) may not be null");
    assertThrows(() => promise.resolve(undefined), Error, 'Could not guess unspecified GValue type');
    assertThrows(() => promise.resolve(Symbol('s')), Error, 'Could not guess unspecified GValue type');
    assertThrows(() => promise.chain(5, null), TypeError, 'chain() takes functions or null as handlers');
    assertThrows(() => Relay.Notifier.new(null), Error, 'Expected function for callback argument func');
    assertThrows(() => Relay.Promise.new_delay(-1), Error, 'value is out of range for uint32');
    assertThrows(() => Relay.Pool.new(-1), Error, 'value is out of range for uint32');
    assert(promise.is_pending(), 'nothing reached the promise');
    assert(promise.resolve_int64(3), 'still usable');
});

test('getters throw instead of returning a default: pending, rejected, no value, wrong type', () => {
    const pending = new Relay.Promise();
    assertThrows(() => pending.get_int64(), Error, 'still pending');
    assertThrows(() => pending.get_values(), Error, 'still pending');
    assertThrows(() => pending.get_value(0), Error, 'still pending');

    const failed = rejected('read me');
    for (const read of [() => failed.get_string(), () => failed.get_values()]) {
        let thrown = null;
        try {
            read();
        } catch (e) {
            thrown = e;
        }
        assert(thrown instanceof GLib.Error, `a GLib.Error, not ${thrown}`);
        assert(thrown.matches(IO_ERROR, Gio.IOErrorEnum.FAILED), 'the rejection GError itself');
        assertEqual(thrown.message, 'read me');
    }

    const empty = new Relay.Promise();
    empty.resolve_values([]);
    assertThrows(() => empty.get_int64(), RangeError, 'there is no value 0');
    assertThrows(() => resolvedInt(1).get_value(1), RangeError, 'there is no value 1');

    assertThrows(() => resolvedInt(7).get_string(), TypeError, 'not a string');
    assertThrows(() => resolvedInt(7).get_boolean(), TypeError, 'not a boolean');

    // and the right reads still work
    assertEqual(resolvedInt(7).get_int64(), 7);
    const text = new Relay.Promise();
    text.resolve_string('hi');
    assertEqual(text.get_string(), 'hi');
    assertEqual(empty.get_values().length, 0);
    pending.cancel();
});

test('settling twice returns false and keeps the first outcome', async () => {
    const fulfilled = new Relay.Promise();
    assert(fulfilled.resolve_string('first'));
    assert(!fulfilled.resolve_string('second'));
    assert(!fulfilled.resolve_int64(2));
    assert(!fulfilled.reject_literal(IO_ERROR, Gio.IOErrorEnum.FAILED, 'late'));
    assert(!fulfilled.cancel());
    assert(!fulfilled.get_cancellable().is_cancelled());
    assertEqual(await fulfilled, 'first');

    const failed = rejected('first', Gio.IOErrorEnum.BUSY);
    assert(!failed.reject_literal(IO_ERROR, Gio.IOErrorEnum.FAILED, 'second'));
    assert(!failed.resolve_int64(1));
    assert(!failed.cancel());
    assertGError(await assertRejects(failed), IO_ERROR, Gio.IOErrorEnum.BUSY, 'first');
});

test('trigger after destroy returns false and never calls back', async () => {
    let calls = 0;
    const notifier = Relay.Notifier.new(() => {
        calls++;
        return true;
    });
    assert(notifier.trigger());
    notifier.destroy();            // drops the undelivered trigger
    assert(notifier.is_destroyed());
    assert(!notifier.trigger());
    notifier.destroy();            // idempotent
    assert(!notifier.trigger());
    await sleep(30);
    assertEqual(calls, 0);
});

test('throwing handlers reject or are logged as criticals, and never crash', async () => {
    const child = await spawnChild('throwing-handlers');
    assert(child.exited && child.status === 0,
        `child failed (status ${child.status}):\n${child.stdout}\n${child.stderr}`);
    const line = child.stdout.split('\n').find(l => l.startsWith('RESULT '));
    assert(line, `no RESULT line in:\n${child.stdout}`);
    assertEqual(JSON.parse(line.slice('RESULT '.length)), {
        chain: 'Error: chain handler threw on purpose',
        catchError: 'Error: catch handler threw on purpose',
        wrongReturn: {value: 42},
        thenError: 'then callback threw on purpose',
        later: {value: 1},
        triggerAfterThrow: false,
        notifierCalls: 1,
        triggerAfterDestroy: false,
    });
    // Only the notifier callback, which has no promise to reject, is logged.
    assert(child.stderr.includes('Gjs-CRITICAL') &&
        child.stderr.includes('JS ERROR: Error: notifier callback threw on purpose'),
    `the notifier's exception was not logged as a JS ERROR critical:\n${child.stderr}`);
    const criticals = child.stderr.split('\n').filter(l => l.includes('-CRITICAL **'));
    assertEqual(criticals.length, 1, `criticals:\n${criticals.join("\n")}`);
    assert(!child.stderr.includes('Relay-CRITICAL'), 'Relay itself logged nothing');
});

test('a throwing async function rejects its JS promise, not Relay', async () => {
    const derived = resolvedInt(4);
    const error = await assertRejects(async () => {
        const value = await derived;
        throw new Gio.IOErrorEnum({code: Gio.IOErrorEnum.INVALID_DATA, message: `got ${value}`});
    });
    assertGError(error, IO_ERROR, Gio.IOErrorEnum.INVALID_DATA, 'got 4');
    assertEqual(derived.state, Relay.PromiseState.FULFILLED);
});

test('awaiting a promise whose source was dropped throws ABANDONED, never hangs', async () => {
    // Only the derived promises stay reachable from JavaScript; the sources
    // are finalized once the garbage collector drops their wrappers. (The
    // C-style handlers: then, catch and finally return JavaScript promises,
    // which keep their source alive until it settles.)
    const derived = (() => {
        const source = new Relay.Promise();
        return [
            source.chain(() => null, null),
            new Relay.Promise().chain(null, () => null),
            new Relay.Promise().catch_error(IO_ERROR, -1, () => null),
        ];
    })();
    // Awaited before the sources go, so no rejection is ever unhandled.
    const awaited = derived.map(p => assertRejects(guard((async () => await p)(), 'await')));
    const deadline = GLib.get_monotonic_time() + STALL_MS * 1000;
    while (derived.some(p => p.is_pending()) && GLib.get_monotonic_time() < deadline) {
        System.gc();
        await sleep(5);
    }
    for (const p of awaited) {
        const error = await p;
        assertGError(error, Relay.error_quark(), Relay.Error.ABANDONED, 'finalized before it settled');
        assert(error.matches(Relay.Error, Relay.Error.ABANDONED));
    }
});

test('awaiting a cancelled promise throws Gio.IOErrorEnum.CANCELLED, never hangs', async () => {
    const slow = Relay.Promise.new_delay(60000);
    const derived = slow.chain(() => resolvedInt(1), null);
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, 10, () => {
        derived.cancel();
        return GLib.SOURCE_REMOVE;
    });
    const error = await assertRejects(guard((async () => await derived)(), 'await'));
    assertGError(error, IO_ERROR, Gio.IOErrorEnum.CANCELLED);
    assert(error.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED));
    // Nothing else consumed the delay, so cancellation travelled up to it.
    assertGError(slow.get_error(), IO_ERROR, Gio.IOErrorEnum.CANCELLED);

    const already = new Relay.Promise();
    assert(already.cancel());
    assert(!already.cancel());
    assertGError(await assertRejects(guard((async () => await already)(), 'await')),
        IO_ERROR, Gio.IOErrorEnum.CANCELLED);
});

if (System.programArgs[0] === '--child')
    runChild(System.programArgs[1]);
else
    run();
