// harness.js: a tiny async test runner for the GJS suite (TAP output)
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Each test is an async function run on the GLib main loop, one after the
// other. No test passes or fails on how long it took: as in
// tests/test-watchdog.h, a test fails only when it made no progress for
// STALL_MS (a minute times RELAY_TEST_SLOWDOWN; a test is the unit of
// progress here), so an awaiting test can never hang and a slow machine only
// makes it slower. A second watchdog, re-armed by every test, ends the
// script should a test's own guard fail to end it.

import GLib from 'gi://GLib';
import System from 'system';

const tests = [];

function slowdown() {
    const factor = Number(GLib.getenv('RELAY_TEST_SLOWDOWN') ?? '1');
    return factor >= 1 ? factor : 1;
}

// How long a wait may see no progress at all before it fails the test.
export const STALL_MS = 60000 * slowdown();

// A test is one unit of progress: it fails if it does not finish within
// STALL_MS of its start.
export function test(name, func) {
    tests.push({name, func});
}

export class AssertionError extends Error {}

export function assert(condition, message = 'assertion failed') {
    if (!condition)
        throw new AssertionError(message);
}

function show(value) {
    if (value instanceof GLib.Error)
        return `GLib.Error(${GLib.quark_to_string(value.domain)}, ${value.code}, ${value.message})`;
    if (value instanceof Error)
        return `${value.name}: ${value.message}`;
    try {
        return JSON.stringify(value);
    } catch (e) {
        return String(value);
    }
}

export function assertEqual(actual, expected, message = '') {
    if (show(actual) !== show(expected))
        throw new AssertionError(`${message} expected ${show(expected)}, got ${show(actual)}`);
}

export function assertGError(error, domain, code, messagePart) {
    assert(error instanceof GLib.Error, `expected a GLib.Error, got ${show(error)}`);
    assert(error.domain === domain, `expected domain ${GLib.quark_to_string(domain)}, got ${error.domain}`);
    assertEqual(error.code, code, 'error code:');
    if (messagePart !== undefined)
        assert(error.message.includes(messagePart), `"${error.message}" lacks "${messagePart}"`);
}

export async function assertRejects(promiseOrFunc) {
    try {
        await (typeof promiseOrFunc === 'function' ? promiseOrFunc() : promiseOrFunc);
    } catch (error) {
        return error;
    }
    throw new AssertionError('expected a rejection');
}

export function sleep(ms) {
    return new Promise(resolve => GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
        resolve();
        return GLib.SOURCE_REMOVE;
    }));
}

// Resolves once predicate() is true, polling from the main loop. A single
// condition is the only progress there is: it fails after STALL_MS.
export async function waitFor(predicate, what = 'condition') {
    const deadline = GLib.get_monotonic_time() + STALL_MS * 1000;
    while (!predicate()) {
        if (GLib.get_monotonic_time() > deadline)
            throw new AssertionError(`no progress for ${STALL_MS / 1000} s waiting for ${what}`);
        await sleep(2);
    }
}

// Rejects if promise did not settle within STALL_MS, so an await never hangs.
export function guard(promise, what) {
    let id = 0;
    const timer = new Promise((resolve, reject) => {
        id = GLib.timeout_add(GLib.PRIORITY_DEFAULT, STALL_MS, () => {
            id = 0;
            reject(new AssertionError(`${what}: no progress for ${STALL_MS / 1000} s`));
            return GLib.SOURCE_REMOVE;
        });
    });
    return Promise.race([promise, timer]).finally(() => {
        if (id)
            GLib.source_remove(id);
    });
}

export function run() {
    const loop = new GLib.MainLoop(null, false);
    let failures = 0;
    let watchdog = 0;

    // A second line of defence, re-armed by every test that starts: it ends
    // the script only if a test's own guard could not end it.
    function armWatchdog(name) {
        if (watchdog)
            GLib.source_remove(watchdog);
        watchdog = GLib.timeout_add(GLib.PRIORITY_HIGH, 2 * STALL_MS, () => {
            print(`Bail out! "${name}" made no progress for ${2 * STALL_MS / 1000} s`);
            System.exit(2);
            return GLib.SOURCE_REMOVE;
        });
    }

    (async () => {
        print(`1..${tests.length}`);
        for (const [i, {name, func}] of tests.entries()) {
            armWatchdog(name);
            try {
                await guard(Promise.resolve().then(func), name);
                print(`ok ${i + 1} - ${name}`);
            } catch (error) {
                failures++;
                print(`not ok ${i + 1} - ${name}`);
                for (const line of `${show(error)}\n${error?.stack ?? ''}`.split('\n'))
                    print(`# ${line}`);
            }
        }
    })().finally(() => loop.quit());

    loop.run();
    System.exit(failures === 0 ? 0 : 1);
}
