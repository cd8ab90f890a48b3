// Relay.js: the GJS override of the Relay namespace: a Relay.Promise is a
// JavaScript thenable with Promises/A+ semantics
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// GJS runs `_init` with `this` bound to the namespace the first time any code
// imports `gi://Relay` (or `imports.gi.Relay`); it finds this file through its
// overrides search path, `<datadir>/gjs-1.0/overrides/` for every data
// directory of XDG_DATA_DIRS, and GJS_PATH. An application needs no other
// import line.
//
// What it changes on Relay.Promise (see doc/guide/javascript.md):
// - then(onFulfilled, onRejected), catch(onRejected), finally(onFinally):
//   optional arguments; they return a JavaScript Promise driven by the Relay
//   promise, so handler return values of any JS type, exceptions and adopted
//   thenables follow the language. A fulfilled Relay promise gives its single
//   value, an array for several values, undefined for none; a rejected one
//   gives its GLib.Error.
// - all, all_settled (also allSettled), any, race: take any iterable of Relay
//   promises, JavaScript promises and plain values and return a JavaScript
//   Promise, with the JavaScript results (any rejects with an AggregateError).
// - chain, catch_error: the C-style handlers (they receive the settled Relay
//   promise) may return any value GObject can hold, a thenable, or throw.
// - cancelWith(cancellable): cancel the promise when a Gio.Cancellable is.
// - get_value, get_values and the typed getters throw (the GLib.Error of a
//   rejected promise, an Error for a pending one, a RangeError or TypeError
//   for a missing value or one of another type) instead of returning C's
//   default.
//
// What it adds to Relay.Channel:
// - [Symbol.asyncIterator]: `for await (const value of channel)` receives the
//   values one at a time, in order; the loop ends when the channel is closed
//   and empty, or throws the close error if it was closed with one of its
//   own. Leaving the loop early (break, return, throw) leaves the channel
//   open and the values still queued for the next receiver.

const {GLib, Gio} = imports.gi;

function _init() {
    const Relay = this;
    const RelayPromise = Relay.Promise;
    const proto = RelayPromise.prototype;

    // The introspected methods this override builds on: `then` is
    // relay_promise_then_values() (first value or the GError, never the promise).
    const thenValues = proto.then;
    const cChain = proto.chain;
    const cCatchError = proto.catch_error;
    const cGetValues = proto.get_values;

    // Introspected methods are writable but not configurable: assign them.
    // New names are defined as methods are, not enumerable.
    function define(object, name, value) {
        if (Object.getOwnPropertyDescriptor(object, name)?.writable)
            object[name] = value;
        else
            Object.defineProperty(object, name, {value, writable: true, configurable: true});
    }

    function isThenable(value) {
        return value !== null && (typeof value === 'object' || typeof value === 'function') &&
            typeof value.then === 'function';
    }

    // The value `await` gives for a fulfilled Relay promise.
    function fulfilledValue(promise) {
        const values = cGetValues.call(promise);    // one call into C, not two
        switch (values.length) {
        case 0:
            return undefined;
        case 1:
            return values[0];
        default:
            return values;
        }
    }

    // The Relay promises that JavaScript reactions wait on. GJS keeps the
    // callbacks given to C only as long as the promise's wrapper lives, and
    // the wrapper of a promise nothing else in JavaScript references may be
    // collected: its reactions would then be dropped (GJS refuses to call them
    // from the garbage collector). So a promise stays here, alive, until it
    // settles, as a JavaScript promise stays alive while it can settle.
    const waiting = new Map();

    function keep(promise) {
        waiting.set(promise, (waiting.get(promise) ?? 0) + 1);
    }

    function release(promise) {
        const n = waiting.get(promise) - 1;
        if (n > 0)
            waiting.set(promise, n);
        else
            waiting.delete(promise);
    }

    // A JavaScript Promise that settles as the Relay promise does.
    function toNative(promise) {
        return new Promise((resolve, reject) => {
            keep(promise);
            thenValues.call(promise, () => {
                release(promise);
                try {
                    const value = fulfilledValue(promise);
                    if (value === promise)
                        reject(new TypeError('a Relay promise was fulfilled with itself'));
                    else
                        resolve(value);
                } catch (e) {
                    reject(e);
                }
            }, error => {
                release(promise);
                reject(error);
            });
        });
    }

    function asNative(value) {
        return value instanceof RelayPromise ? toNative(value) : value;
    }

    // A JavaScript exception as the GLib.Error a Relay promise can hold.
    function toGError(exception) {
        if (exception instanceof GLib.Error)
            return exception;
        const text = exception instanceof Error
            ? `${exception.name}: ${exception.message}` : String(exception);
        return new GLib.Error(Relay.error_quark(), Relay.Error.FAILED, text);
    }

    function settleWith(promise, value) {
        if (value === undefined) {
            promise.resolve_values([]);
            return;
        }
        try {
            promise.resolve_values([value]);
        } catch (e) {
            promise.reject(new GLib.Error(Relay.error_quark(), Relay.Error.FAILED,
                `a Relay promise cannot hold ${typeof value} ${String(value)} (${e.message}); ` +
                'use then(), whose result is a JavaScript Promise, for JavaScript values'));
        }
    }

    // What a C-style handler returned, as the Relay promise (or null) that
    // relay_promise_chain() expects.
    function toRelay(value) {
        if (value === undefined || value === null)
            return null;
        if (value instanceof RelayPromise)
            return value;
        const promise = new RelayPromise();
        if (isThenable(value))
            Promise.resolve(value).then(v => settleWith(promise, v), e => promise.reject(toGError(e)));
        else
            settleWith(promise, value);
        return promise;
    }

    function relayHandler(handler, method) {
        if (handler === null || handler === undefined)
            return null;
        if (typeof handler !== 'function')
            throw new TypeError(`${method}() takes functions or null as handlers, not ${typeof handler}`);
        return settled => {
            try {
                return toRelay(handler(settled));
            } catch (e) {
                return RelayPromise.new_rejected(toGError(e));
            }
        };
    }

    define(proto, 'then', function then(onFulfilled, onRejected) {
        return toNative(this).then(onFulfilled, onRejected);
    });

    define(proto, 'catch', function catch_(onRejected) {
        return toNative(this).catch(onRejected);
    });

    define(proto, 'finally', function finally_(onFinally) {
        return toNative(this).finally(onFinally);
    });

    define(proto, 'chain', function chain(onFulfilled, onRejected) {
        return cChain.call(this, relayHandler(onFulfilled, 'chain'), relayHandler(onRejected, 'chain'));
    });

    define(proto, 'catch_error', function catch_error(domain, code, onRejected) {
        return cCatchError.call(this, domain, code, relayHandler(onRejected, 'catch_error'));
    });

    define(proto, 'cancelWith', function cancelWith(cancellable) {
        if (cancellable === null || cancellable === undefined)
            return this;
        if (!(cancellable instanceof Gio.Cancellable))
            throw new TypeError('cancelWith() takes a Gio.Cancellable or null');
        if (cancellable.is_cancelled()) {
            this.cancel();
            return this;
        }
        // g_cancellable_connect(): its callback runs on the thread that
        // cancels, which must be the main thread for JavaScript.
        const id = cancellable.connect(() => this.cancel());
        const disconnect = () => {
            release(this);
            cancellable.disconnect(id);
        };
        keep(this);
        thenValues.call(this, disconnect, disconnect);
        return this;
    });

    // The combinators take any iterable, as JavaScript's do; a value that is
    // not one rejects the result with JavaScript's TypeError.
    function combinator(name, jsCombinator) {
        return {
            [name](values) {
                const inputs = [];
                try {
                    for (const value of values)
                        inputs.push(asNative(value));
                } catch (e) {
                    return Promise.reject(e);
                }
                return jsCombinator.call(Promise, inputs);
            },
        }[name];
    }

    define(RelayPromise, 'all', combinator('all', Promise.all));
    const allSettled = combinator('allSettled', Promise.allSettled);
    define(RelayPromise, 'all_settled', allSettled);
    define(RelayPromise, 'allSettled', allSettled);
    define(RelayPromise, 'any', combinator('any', Promise.any));
    define(RelayPromise, 'race', combinator('race', Promise.race));

    // Reading a promise that has no value to give throws, as JavaScript
    // would, instead of C's critical and default value: a pending promise
    // (await it instead), a rejected one (its GLib.Error is thrown), one
    // fulfilled with no values, or a value of another type.
    const typedGetters = {
        get_boolean: 'boolean',
        get_int64: 'number',
        get_double: 'number',
        get_string: 'string',
        get_object: 'object',
    };
    // The error of a rejected promise, thrown to the reader: that handles
    // the rejection (it is not reported as unhandled).
    function handledError(promise) {
        thenValues.call(promise, null, null);
        return promise.get_error();
    }
    function checkReadable(promise, method, index = 0) {
        switch (promise.get_state()) {
        case Relay.PromiseState.PENDING:
            throw new Error(`${method}(): the promise is still pending; await it, ` +
                'or read it in a then() handler');
        case Relay.PromiseState.REJECTED:
            throw handledError(promise);
        }
        if (index >= promise.get_n_values()) {
            throw new RangeError(`${method}(): the promise was fulfilled with ` +
                `${promise.get_n_values()} value(s), there is no value ${index}`);
        }
    }
    for (const [method, jsType] of Object.entries(typedGetters)) {
        const cGetter = proto[method];
        define(proto, method, function (...args) {
            checkReadable(this, method);
            const value = cGetValues.call(this)[0];    // the state was just checked
            const actual = typeof value === 'bigint' ? 'number' : typeof value;
            if (actual !== jsType && !(jsType === 'object' && value === null)) {
                throw new TypeError(`${method}(): the promise's value is a ${typeof value}, ` +
                    `not a ${jsType}`);
            }
            return cGetter.call(this, ...args);
        });
    }
    const cGetValue = proto.get_value;
    define(proto, 'get_value', function (index) {
        checkReadable(this, 'get_value', index);
        return cGetValue.call(this, index);
    });
    define(proto, 'get_values', function () {
        const state = this.get_state();
        if (state === Relay.PromiseState.PENDING)
            throw new Error('get_values(): the promise is still pending; await it');
        if (state === Relay.PromiseState.REJECTED)
            throw handledError(this);
        return cGetValues.call(this);
    });

    // A channel is an async iterable. Each next() is one receive(), made at
    // once unless earlier next() calls are still under way (they are served
    // one after the other, as an async generator's are). It settles as the
    // receive does: with {value, done: false}, with {done: true} at the end
    // of the stream (RELAY_ERROR_CLOSED), or it rejects with the error the
    // channel was closed with; after the end or the error, the iterator is
    // done. return() (what `for await` calls on break, return or throw) ends
    // the iterator and does not close the channel: a receive still waiting
    // is cancelled, which leaves the next value in the channel for the next
    // receiver (its next() gives {done: true}); a receive whose value had
    // already arrived still gives it to its next(). No value is lost. To
    // stop the producer too, close the channel.
    const cReceive = Relay.Channel.prototype.receive;

    function endsStream(error) {
        return error instanceof GLib.Error && error.matches(Relay.error_quark(), Relay.Error.CLOSED);
    }

    class ChannelIterator {
        #channel;
        #receiving = null;      // the Relay promise of the receive under way
        #done = false;
        #returned = false;
        #outstanding = 0;       // next() calls whose receive has not finished
        #tail = null;           // settles when the last of them finished

        constructor(channel) {
            this.#channel = channel;
        }

        next() {
            const queued = this.#outstanding > 0;
            this.#outstanding++;
            const step = queued ? this.#tail.then(() => this.#receive()) : this.#receive();
            this.#tail = step.then(() => {}, () => {});
            return step;
        }

        async #receive() {
            try {
                if (this.#done)
                    return {value: undefined, done: true};
                const receiving = cReceive.call(this.#channel);
                this.#receiving = receiving;
                try {
                    return {value: await toNative(receiving), done: false};
                } catch (error) {
                    this.#done = true;
                    if (this.#returned || endsStream(error))
                        return {value: undefined, done: true};
                    throw error;
                } finally {
                    this.#receiving = null;
                }
            } finally {
                this.#outstanding--;
            }
        }

        return(value) {
            this.#done = true;
            this.#returned = true;
            // Cancelling a receive that was already fulfilled does nothing:
            // its next() keeps the value.
            this.#receiving?.cancel();
            return Promise.resolve({value, done: true});
        }

        [Symbol.asyncIterator]() {
            return this;
        }
    }
    Object.defineProperty(ChannelIterator.prototype, Symbol.toStringTag,
        {value: 'Relay.ChannelIterator', configurable: true});

    define(Relay.Channel.prototype, Symbol.asyncIterator, function () {
        return new ChannelIterator(this);
    });
}
