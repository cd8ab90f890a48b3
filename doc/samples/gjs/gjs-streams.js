// gjs-streams.js: `for await` over a Relay.Channel in GJS
//
// A channel's receive() is a promise, and `await` works on Relay promises, so
// an async generator turns a channel into an async iterable. The same four
// lines on the prototype make every channel one.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Relay from 'gi://Relay';

// [iterate]
async function* receiveAll(channel) {
    for (;;) {
        try {
            yield await channel.receive();
        } catch (e) {
            if (e.matches(Relay.error_quark(), Relay.Error.CLOSED))
                return;                 // closed and empty: the end of the stream
            throw e;                    // closed with an error of its own
        }
    }
}

Relay.Channel.prototype[Symbol.asyncIterator] = function () {
    return receiveAll(this);
};
// [/iterate]

// [use]
async function main() {
    const channel = Relay.Channel.new(16);
    for (let i = 1; i <= 10; i++)
        channel.push_int64(i, null);    // room for all: does not block
    channel.close(null);

    let sum = 0;
    for await (const value of channel)
        sum += value;
    print('sum:', sum);

    const broken = Relay.Channel.new(4);
    broken.push_string('last words', null);
    broken.close(new GLib.Error(Gio.io_error_quark(), Gio.IOErrorEnum.BROKEN_PIPE, 'producer died'));
    const seen = [];
    try {
        for await (const value of broken)
            seen.push(value);
    } catch (e) {
        print('stream failed:', e.message, 'after', seen.join(','));
        return sum === 55 && seen.length === 1 && e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.BROKEN_PIPE);
    }
    return false;
}
// [/use]

const loop = new GLib.MainLoop(null, false);
let ok = false;
main().then(result => {
    ok = result;
}).catch(e => logError(e)).finally(() => loop.quit());
loop.run();
if (!ok)
    throw new Error('sample failed');
