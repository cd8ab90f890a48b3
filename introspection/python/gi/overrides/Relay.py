# Relay.py: the PyGObject override that makes Relay idiomatic in Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Pythonic glue for ``gi.repository.Relay``; no logic of its own.

PyGObject 3.42 has no asyncio integration, so this override adds the little a
Python program needs on top of the generated bindings:

* ``await promise`` inside a coroutine started with :func:`spawn` (or run to the
  end with :func:`run_until_complete`). The coroutine runs on the GLib main
  context of the thread that spawned it, one step per settled promise; nothing
  else drives it, so it mixes freely with GTK signal handlers.
* ``Promise.then(on_fulfilled, on_rejected)``, ``catch`` and ``finally_`` that
  take plain Python callables: they receive the promise's result (or its
  ``GLib.Error``), may return a plain value or a promise, and turn exceptions
  into rejections.
* ``Relay.run_in_thread(func, *args)`` and ``Pool.run(func, *args)`` for Python
  callables as pool jobs: ``func(job, *args)`` runs on a worker thread (it
  holds the GIL while it runs Python code), returns its result as a plain
  value, and an exception rejects the promise with a ``GLib.Error``.
* ``Relay.Notifier(func)`` as a constructor.
* ``Promise.from_async(obj.foo_async, obj.foo_finish, *args)``: any GIO
  ``_async``/``_finish`` pair as a promise (PyGObject 3.42 cannot await GIO
  calls itself). The ready-made wrappers, such as
  ``Relay.file_load_bytes(file, None)``, need no glue at all.

How Python values map to promise values: ``None`` is no values, a tuple is
several values (Common Lisp's ``values``), and anything else is one value:
``bool``, ``int``, ``float``, ``str``, ``GObject.Object``, ``GLib.Variant`` and
boxed values such as ``GLib.Bytes`` as their GLib types (so C and JavaScript
can read them), other objects as they are
(``GObject.TYPE_PYOBJECT``). Reading a promise reverses this: no values give
``None``, one value gives the value, several give a tuple.

A Python exception other than ``GLib.Error`` becomes a ``GLib.Error`` in the
``Relay.Error`` domain, code ``FAILED``, with the message
``"ExceptionType: message"``.
"""

import inspect

from gi.repository import GLib, GObject

from ..module import get_introspection_module
from ..overrides import override

Relay = get_introspection_module('Relay')

__all__ = []

_INT32 = range(-(1 << 31), 1 << 31)
_INT64 = range(-(1 << 63), 1 << 63)


def _to_gvalue(obj):
    if isinstance(obj, GObject.Value):
        return obj
    if isinstance(obj, bool):
        gtype = GObject.TYPE_BOOLEAN
    elif isinstance(obj, int):
        gtype = (GObject.TYPE_INT if obj in _INT32 else
                 GObject.TYPE_INT64 if obj in _INT64 else
                 GObject.TYPE_PYOBJECT)
    elif isinstance(obj, float):
        gtype = GObject.TYPE_DOUBLE
    elif isinstance(obj, str):
        gtype = GObject.TYPE_STRING
    elif isinstance(obj, GObject.Object):
        gtype = obj.__gtype__
    elif isinstance(obj, GLib.Variant):
        gtype = GObject.TYPE_VARIANT
    elif isinstance(obj, GObject.GBoxed):    # GLib.Bytes and the like
        gtype = obj.__gtype__
    else:
        gtype = GObject.TYPE_PYOBJECT
    return GObject.Value(gtype, obj)


def _to_values(result):
    """The promise values for a Python result (see the module docs)."""
    if result is None:
        return []
    if isinstance(result, tuple):
        return [_to_gvalue(item) for item in result]
    return [_to_gvalue(result)]


def _to_error(exc):
    """The GLib.Error a Python exception rejects a promise with."""
    if isinstance(exc, GLib.Error):
        return exc
    message = '%s: %s' % (type(exc).__name__, exc) if str(exc) else type(exc).__name__
    return GLib.Error.new_literal(Relay.error_quark(), message, Relay.Error.FAILED)


def _unpack(values):
    if len(values) == 0:
        return None
    if len(values) == 1:
        return values[0]
    return tuple(values)


def _adopt(result):
    """A handler's return value as a promise to adopt."""
    if isinstance(result, Relay.Promise):
        return result
    return Relay.Promise.new_resolved_values(_to_values(result))


def _handler(func, argument):
    """Wraps a Python callable as a Relay.PromiseFunc for Promise.chain()."""
    if func is None:
        return None

    def handler(promise):
        try:
            return _adopt(func(argument(promise)))
        except Exception as exc:
            return Relay.Promise.new_rejected(_to_error(exc))

    return handler


def _when_settled(promise, callback):
    """Calls callback() once promise settles, on its context (GI's `then`)."""
    # PyGObject appends the (unused) user data to the arguments.
    Relay.Promise.then(promise,
                       on_value=lambda *args: callback(),
                       on_error=lambda *args: callback())


class Promise(Relay.Promise):
    """A Relay.Promise that Python can ``await`` and chain with plain callables."""

    def get_value(self, index):
        """The value at ``index`` (see ``Relay.Promise.get_value``).

        A boxed value (``GLib.Bytes``, say) is returned as a copy of its own:
        PyGObject 3.42 wraps the boxed inside a ``const GValue *`` without
        taking a reference, so the plain wrapper would dangle once the promise
        is finalized.
        """
        value = Relay.Promise.get_value(self, index)
        if isinstance(value, GObject.GBoxed):
            value = value.copy()
        return value

    def values(self):
        """All the values the promise was fulfilled with, as a tuple."""
        return tuple(self.get_value(i) for i in range(self.get_n_values()))

    def result(self):
        """The outcome of a settled promise, without waiting.

        Returns None, the value, or a tuple of values (see the module docs), or
        raises the promise's GLib.Error. Raises GLib.Error with
        ``Relay.Error.FAILED`` if the promise is still pending.
        """
        state = self.get_state()
        if state == Relay.PromiseState.FULFILLED:
            return _unpack(self.values())
        if state == Relay.PromiseState.REJECTED:
            raise self.get_error()
        raise GLib.Error.new_literal(Relay.error_quark(), 'The promise is still pending',
                                     Relay.Error.FAILED)

    def __await__(self):
        # Always through the driver in spawn(), even when already settled: like
        # JavaScript's await, the coroutine resumes from the main loop, and the
        # promise counts as handled, so its rejection is not reported.
        yield self
        return self.result()

    def then(self, on_fulfilled=None, on_rejected=None):
        """Calls ``on_fulfilled(result)`` or ``on_rejected(error)`` once settled.

        Either callable may return a plain value (the new promise is fulfilled
        with it), a promise (the new promise adopts it), or raise (the new
        promise is rejected with the exception as a GLib.Error). A missing
        callable passes that outcome through. Returns the new promise.
        """
        return self.chain(_handler(on_fulfilled, Promise.result),
                          _handler(on_rejected, Relay.Promise.get_error))

    def catch(self, on_rejected):
        """``then(None, on_rejected)``: handles the error, returns a new promise."""
        return self.then(None, on_rejected)

    def finally_(self, on_settled):
        """Calls ``on_settled()`` either way; the new promise keeps this outcome.

        If ``on_settled`` raises, the new promise is rejected with that error.
        """
        def handler(promise):
            try:
                on_settled()
            except Exception as exc:
                return Relay.Promise.new_rejected(_to_error(exc))
            return None

        return Relay.Promise.finally_(self, handler)

    @staticmethod
    def from_async(async_func, finish_func, *args, cancellable=None):
        """A promise for a GIO call: ``async_func(*args, cancellable, callback)``.

        ``async_func`` is the ``_async`` method (bound, like
        ``file.load_contents_async``) and ``finish_func`` the matching
        ``_finish``, called as ``finish_func(result)``; ``args`` are the
        arguments before the cancellable. The promise is fulfilled with what
        ``finish_func`` returns (a tuple is several values, as everywhere in
        this module) or rejected with the GLib.Error it raises, domain and
        code intact. The call gets the promise's cancellable, so cancelling
        the promise cancels the call; cancelling ``cancellable`` (optional)
        cancels the promise. The promise belongs to the calling thread's
        thread-default main context, where GIO calls back.
        """
        promise = Promise()
        handler = []
        if cancellable is not None:
            handler.append(GObject.Object.connect(cancellable, 'cancelled',
                                                  lambda _: promise.cancel()))
            if cancellable.is_cancelled():
                promise.cancel()

        def ready(source, result, *user_data):
            if handler:    # GObject's disconnect: Gio.Cancellable's would wait
                GObject.Object.disconnect(cancellable, handler.pop())
            try:
                outcome = finish_func(result)
            except Exception as exc:
                promise.reject_exception(exc)
            else:
                promise.resolve_result(outcome)

        try:
            async_func(*args, promise.get_cancellable(), ready)
        except Exception:
            # The call never started (wrong arguments, say): nothing settles
            # the promise, so drop it, and the cancellable's handler with it.
            if handler:
                GObject.Object.disconnect(cancellable, handler.pop())
            raise
        return promise

    def resolve_result(self, result):
        """Fulfils the promise with a Python result (None, a value or a tuple)."""
        return self.resolve_values(_to_values(result))

    def reject_exception(self, exc):
        """Rejects the promise with a Python exception, as a GLib.Error."""
        return self.reject(_to_error(exc))


Promise = override(Promise)
__all__.append('Promise')


def _job_func(func, args, kwargs):
    def run(job):
        try:
            result = func(job, *args, **kwargs)
        except Exception as exc:
            if not job.has_returned():
                job.return_error(_to_error(exc))
            return
        if not job.has_returned():
            job.return_values(_to_values(result))

    return run


class Pool(Relay.Pool):
    def run(self, func, *args, **kwargs):
        """Runs ``func(job, *args, **kwargs)`` on a worker thread of the pool.

        The function reports progress with ``job.set_progress()``, checks
        ``job.is_cancelled()`` to stop early, and returns its result as a plain
        value (see the module docs); an exception rejects the promise. Returns
        the promise, which belongs to the calling thread's main context.
        """
        return Relay.Pool.run(self, None, _job_func(func, args, kwargs))


Pool = override(Pool)
__all__.append('Pool')


def run_in_thread(func, *args, **kwargs):
    """``Pool.run()`` on the default pool."""
    return Relay.Pool.get_default().run(func, *args, **kwargs)


__all__.append('run_in_thread')


class Notifier(Relay.Notifier):
    """``Relay.Notifier(func, *user_data)``: ``Relay.Notifier.new()`` as a constructor."""

    def __new__(cls, func, *user_data):
        return Relay.Notifier.new(func, *user_data)

    def __init__(self, *args, **kwargs):
        pass


Notifier = override(Notifier)
__all__.append('Notifier')


def spawn(coroutine):
    """Starts a coroutine that awaits Relay promises; returns a promise for it.

    The coroutine runs at once until its first ``await``, then one step each
    time the promise it awaits settles, on the calling thread's thread-default
    main context (iterate it, e.g. with a ``GLib.MainLoop`` or GTK). Its return
    value fulfils the returned promise; an exception rejects it. Cancelling the
    returned promise cancels the promise the coroutine is awaiting, so the
    coroutine sees a ``Gio.IOErrorEnum.CANCELLED`` GLib.Error.
    """
    if not inspect.iscoroutine(coroutine):
        raise TypeError('spawn() needs a coroutine, not %s' % type(coroutine).__name__)

    outcome = Promise()
    awaiting = []

    def step():
        error = None
        while True:
            try:
                if error is None:
                    awaited = coroutine.send(None)
                else:
                    awaited = coroutine.throw(error)
            except StopIteration as stop:
                outcome.resolve_result(stop.value)
                return
            except Exception as exc:
                outcome.reject_exception(exc)
                return
            if isinstance(awaited, Relay.Promise):
                break
            error = TypeError('A coroutine run by Relay can only await Relay promises, not %s'
                              % type(awaited).__name__)

        awaiting[:] = [awaited]
        if outcome.get_state() == Relay.PromiseState.REJECTED:
            awaited.cancel()
        _when_settled(awaited, step)

    def cancelled(cancellable):
        for awaited in list(awaiting):
            awaited.cancel()

    # Gio.Cancellable.connect is g_cancellable_connect(); use the signal itself.
    GObject.Object.connect(outcome.get_cancellable(), 'cancelled', cancelled)
    step()
    return outcome


__all__.append('spawn')


def run_until_complete(awaitable, timeout=None):
    """Iterates the thread-default main context until ``awaitable`` is done.

    ``awaitable`` is a coroutine (started with :func:`spawn`) or a promise.
    Returns its result or raises its GLib.Error, like ``Promise.result()``.
    With ``timeout`` (in seconds), gives up after that long with a
    ``Gio.IOErrorEnum.TIMED_OUT`` GLib.Error, cancelling the work if nothing
    else waits for it. For scripts and tests; a GTK application already runs
    its main loop and uses :func:`spawn`.
    """
    if inspect.iscoroutine(awaitable):
        promise = spawn(awaitable)
    elif isinstance(awaitable, Relay.Promise):
        promise = awaitable
    else:
        raise TypeError('run_until_complete() needs a coroutine or a Relay.Promise, not %s'
                        % type(awaitable).__name__)

    if timeout is not None:
        promise = promise.timeout(max(0, int(timeout * 1000)))

    loop = GLib.MainLoop.new(GLib.MainContext.ref_thread_default(), False)
    _when_settled(promise, loop.quit)
    loop.run()
    return promise.result()


__all__.append('run_until_complete')


# ---------------------------------------------------------------------------
# Streams (issue 20): ``async for`` over a Relay.Channel
# ---------------------------------------------------------------------------

class Channel(Relay.Channel):
    """A Relay.Channel that a coroutine can read with ``async for``.

    ``Relay.Channel(capacity)`` creates one. Inside a coroutine run by
    :func:`spawn` (or :func:`run_until_complete`)::

        async for value in channel:
            ...

    receives one value at a time, in order, until the channel is closed and
    empty; a channel closed with an error of its own raises that
    ``GLib.Error`` from the loop. ``send_value`` and ``push_value`` take
    plain Python values, converted as for promises (see the module docs).
    """

    def __new__(cls, capacity=64):
        return Relay.Channel.new(capacity)

    def __init__(self, *args, **kwargs):
        pass

    def send_value(self, value):
        """Sends without blocking; returns the promise of ``Relay.Channel.send``."""
        return Relay.Channel.send(self, _to_gvalue(value))

    def push_value(self, value, cancellable=None):
        """Sends from a worker, blocking while the channel is full."""
        return Relay.Channel.push(self, _to_gvalue(value), cancellable)

    def close(self, error=None):
        """Closes the channel, with ``error`` or, if None, ``Relay.Error.CLOSED``.

        (PyGObject 3.42 cannot pass None for the error itself.)
        """
        if error is None:
            error = GLib.Error.new_literal(Relay.error_quark(), 'The channel is closed',
                                           Relay.Error.CLOSED)
        Relay.Channel.close(self, error)

    def __aiter__(self):
        return self

    async def __anext__(self):
        try:
            return await self.receive()
        except GLib.Error as error:
            if error.matches(Relay.error_quark(), Relay.Error.CLOSED):
                raise StopAsyncIteration from None
            raise


Channel = override(Channel)
__all__.append('Channel')
