// harness.js: a tiny async test runner for the GJS suite (TAP output)
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Each test is an async function run on the GLib main loop, one after the
// other. A test that does not finish within its timeout fails, and a watchdog
// ends the whole script with a failure, so an awaiting test can never hang.

import GLib from 'gi://GLib';
import System from 'system';

const tests = [];

export function test(name, func, timeoutMs = 10000) {
    tests.push({name, func, timeoutMs});
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

// Resolves once predicate() is true, polling from the main loop.
export async function waitFor(predicate, timeoutMs = 5000, what = 'condition') {
    const deadline = GLib.get_monotonic_time() + timeoutMs * 1000;
    while (!predicate()) {
        if (GLib.get_monotonic_time() > deadline)
            throw new AssertionError(`timed out waiting for ${what}`);
        await sleep(2);
    }
}

function withTimeout(promise, ms, name) {
    let id = 0;
    const timer = new Promise((resolve, reject) => {
        id = GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
            id = 0;
            reject(new AssertionError(`${name}: timed out after ${ms} ms`));
            return GLib.SOURCE_REMOVE;
        });
    });
    return Promise.race([promise, timer]).finally(() => {
        if (id)
            GLib.source_remove(id);
    });
}

export function run(watchdogSeconds = 100) {
    const loop = new GLib.MainLoop(null, false);
    let failures = 0;

    GLib.timeout_add_seconds(GLib.PRIORITY_HIGH, watchdogSeconds, () => {
        print(`Bail out! the script ran for more than ${watchdogSeconds} s`);
        System.exit(2);
        return GLib.SOURCE_REMOVE;
    });

    (async () => {
        print(`1..${tests.length}`);
        for (const [i, {name, func, timeoutMs}] of tests.entries()) {
            try {
                await withTimeout(Promise.resolve().then(func), timeoutMs, name);
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
