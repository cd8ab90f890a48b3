// fixtures.js: promises the GJS tests start from
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import Gio from 'gi://Gio';
import Relay from 'gi://Relay?version=1.0';

export const IO_ERROR = Gio.io_error_quark();

// A promise rejected with a G_IO_ERROR of @code.
export function rejected(message, code = Gio.IOErrorEnum.FAILED) {
    const promise = new Relay.Promise();
    promise.reject_literal(IO_ERROR, code, message);
    return promise;
}

// A promise fulfilled with one int64.
export function resolvedInt(value) {
    const promise = new Relay.Promise();
    promise.resolve_int64(value);
    return promise;
}
