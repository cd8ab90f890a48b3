# Relay.py: the PyGObject override that makes Relay idiomatic in Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Pythonic glue for ``gi.repository.Relay``; no logic of its own.

PyGObject 3.42 has no asyncio integration, so this override adds the little a
Python program needs on top of the generated bindings:

* ``await promise`` in any asyncio event loop (``asyncio.run()``), in a
  coroutine started with :func:`spawn` (or run to the end with
  :func:`run_until_complete`), and in a GTK application whose asyncio loop
  runs on GLib's (gbulb). Under a plain asyncio loop, the loop iterates the
  promise's GLib main context while a Relay promise is awaited, so handlers
  still run on their context's thread (see ``_ContextPump``).
* ``Promise.then(on_fulfilled, on_rejected)``, ``catch`` and ``finally_`` that
  take plain Python callables: they receive the promise's result (or its
  exception), may return a plain value or a promise, and turn exceptions
  into rejections.
* ``Relay.run_in_thread(func, *args)`` and ``Pool.run(func, *args)`` for Python
  callables as pool jobs: ``func(job, *args)`` runs on a worker thread (it
  holds the GIL while it runs Python code), returns its result as a plain
  value, reports progress with ``job.report_progress()`` and checks
  ``job.is_cancelled()``.
* ``Relay.all()`` (a list of values), ``Relay.all_settled()`` (a list of
  ``(state, value or exception)``), ``Relay.any()`` and ``Relay.race()``.
* ``Relay.Notifier(func)`` as a constructor.
* ``Promise.from_async(obj.foo_async, obj.foo_finish, *args)``: any GIO
  ``_async``/``_finish`` pair as a promise (PyGObject 3.42 cannot await GIO
  calls itself). The ready-made wrappers, such as
  ``Relay.file_load_bytes(file, None)``, need no glue at all.

How Python values map to promise values: ``None`` is no values, a tuple is
several values (Common Lisp's ``values``), and anything else is one value:
``bool``, ``int`` (as ``gint64``; a larger one raises ``OverflowError``),
``float``, ``str``, ``GObject.Object``, ``GLib.Variant`` and boxed values such
as ``GLib.Bytes`` as their GLib types (so C and JavaScript can read them),
other objects as they are (``GObject.TYPE_PYOBJECT``). Reading a promise
reverses this: no values give ``None``, one value gives the value, several
give a tuple.

Exceptions: a Python exception raised in a job, a handler or a coroutine
rejects the promise with a ``GLib.Error`` in the ``Relay.Error`` domain, code
``FAILED``, message ``"ExceptionType: message"`` (what C and JavaScript see),
and Python code that reads the promise (``await``, ``result()``, a getter,
``on_rejected``) gets the original exception back, same object, traceback
kept. Errors from C arrive as ``GLib.Error`` with their domain and code.

Misuse raises at the call: a job or handler that is not callable or does not
take the arguments it will be given (``TypeError``), settling a settled
promise with ``resolve_result()`` or ``reject_exception()``
(``AlreadySettledError``), reading a pending promise (``PendingError``).
"""

import asyncio
import ctypes
import ctypes.util
import inspect
import select
import threading

from gi.repository import GLib, GObject

from ..module import get_introspection_module
from ..overrides import override

Relay = get_introspection_module('Relay')

__all__ = []

_INT64 = range(-(1 << 63), 1 << 63)


class PendingError(RuntimeError):
    """Raised when a pending promise is read: await it first."""


class AlreadySettledError(RuntimeError):
    """Raised when a settled promise is settled again."""


__all__ += ['PendingError', 'AlreadySettledError']

_STATE_NAMES = {}


def _state_name(state):
    if not _STATE_NAMES:
        _STATE_NAMES.update({Relay.PromiseState.PENDING: 'pending',
                             Relay.PromiseState.FULFILLED: 'fulfilled',
                             Relay.PromiseState.REJECTED: 'rejected'})
    return _STATE_NAMES.get(state, str(state))


def _pending_error(what):
    return PendingError('%s: the promise is still pending. Read it once it settled: '
                        '"await promise" (asyncio or Relay.spawn), promise.then(handler), '
                        'or Relay.run_until_complete(promise) in a script' % what)


def _check_callable(func, n_args, what, args=(), kwargs=None):
    """Raises TypeError now unless func(n_args positional + args, **kwargs) works."""
    if not callable(func):
        raise TypeError('%s is not callable: %r' % (what, func))
    if inspect.iscoroutinefunction(func):
        raise TypeError('%s %s is a coroutine function: Relay would call it and get a '
                        'coroutine that nobody runs. Pass a plain function, and await in '
                        'the coroutine that calls this' % (what, getattr(func, '__qualname__', func)))
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return      # a builtin without a signature: it is checked when called
    try:
        signature.bind(*([None] * n_args), *args, **(kwargs or {}))
    except TypeError as error:
        raise TypeError('%s %s%s cannot be called with %d argument%s%s: %s'
                        % (what, getattr(func, '__qualname__', func), signature,
                           n_args + len(args), '' if n_args + len(args) == 1 else 's',
                           ' and keywords %s' % sorted(kwargs) if kwargs else '', error)) from None


def _to_gvalue(obj):
    if isinstance(obj, GObject.Value):
        return obj
    if isinstance(obj, bool):
        gtype = GObject.TYPE_BOOLEAN
    elif isinstance(obj, int):
        if obj not in _INT64:
            raise OverflowError('%d does not fit in an int64, the integer type of a promise '
                                '(-2**63 to 2**63 - 1); pass a str or a float instead' % obj)
        gtype = GObject.TYPE_INT64
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


def _value_list(values, what):
    """GValues for a sequence of Python values, or TypeError now."""
    if isinstance(values, (str, bytes)) or not hasattr(values, '__iter__'):
        raise TypeError('%s takes a sequence of values, not %s' % (what, type(values).__name__))
    return [_to_gvalue(value) for value in values]


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


# A promise rejected by Python code keeps the exception that did it, for Python
# code that reads the promise: the C side only sees the GLib.Error. A "cause
# box" is a list holding (exception, error) once known; it sits in the
# promise's Python wrapper (which PyGObject keeps as long as the GObject once
# it has attributes), because a job settles its promise from a worker before
# the caller may have the wrapper.

def _cause_box(promise):
    box = promise.__dict__.get('_relay_cause')
    if box is None:
        box = promise.__dict__['_relay_cause'] = []
    return box


def _record(box, exc, error):
    box[:] = [(exc, error, exc.__traceback__)]


def _cause(promise, error=None):
    """The Python exception that rejected promise with error, or None."""
    box = promise.__dict__.get('_relay_cause')
    if not box:
        return None
    exc, recorded, traceback = box[0]
    if error is None:
        error = Relay.Promise.get_error(promise)
    if error is None or (error.domain, error.code, error.message) != \
            (recorded.domain, recorded.code, recorded.message):
        return None     # settled otherwise first (cancelled, say)
    # As asyncio's Future.result(): each raise starts from the original
    # traceback, so awaiting the promise twice does not pile frames up.
    return exc.with_traceback(traceback)


def _handled(promise):
    """Marks promise's rejection as handled: Python code read it."""
    Relay.Promise.disown(promise)    # PyGObject adds the reference disown takes


def _raise_rejection(promise):
    _handled(promise)
    error = Relay.Promise.get_error(promise)
    raise _cause(promise, error) or error


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


def _handler(func, argument, box):
    """Wraps a Python callable as a Relay.PromiseFunc for Promise.chain().

    Without func, the outcome passes through (with its Python exception).
    """
    def handler(promise):
        if func is None:
            exc = _cause(promise)
            if exc is not None:
                _record(box, exc, Relay.Promise.get_error(promise))
            return promise
        try:
            return _adopt(func(argument(promise)))
        except Exception as exc:
            error = _to_error(exc)
            _record(box, exc, error)
            return Relay.Promise.new_rejected(error)

    return handler


def _rejection(promise):
    """What on_rejected receives: the Python exception, or the GLib.Error."""
    error = Relay.Promise.get_error(promise)
    return _cause(promise, error) or error


def _when_settled(promise, callback):
    """Calls callback() once promise settles, on its context (GI's `then`)."""
    # PyGObject appends the (unused) user data to the arguments.
    Relay.Promise.then(promise,
                       on_value=lambda *args: callback(),
                       on_error=lambda *args: callback())


# ---------------------------------------------------------------------------
# asyncio: how the two loops meet
#
# Awaiting a Relay promise from an asyncio task adds a GLib handler (GI's then)
# that wakes an asyncio future with loop.call_soon_threadsafe(). That handler,
# like every handler of the promise, runs when somebody iterates the promise's
# GLib main context:
#
# * Under gbulb (asyncio on the GLib loop, as in a GTK application) or when
#   another thread runs the context (a GTK main thread, say), that is already
#   the case, and nothing more is done.
# * Under a plain asyncio loop, nobody does: _ContextPump makes that asyncio
#   loop iterate the context for as long as a Relay promise is awaited in it.
#   It acquires the context and runs GLib's prepare/query/check/dispatch
#   steps itself, watching GLib's file descriptors with loop.add_reader() and
#   its next timeout with loop.call_later(), so the asyncio thread dispatches
#   the promise's handlers, then()s included, between its own callbacks,
#   without polling. PyGObject 3.42 cannot call g_main_context_query() (it
#   drops the caller-allocated array), so the steps go through ctypes; a
#   GLib.MainContext's hash() is its C pointer.

class _PollFD(ctypes.Structure):
    _fields_ = [('fd', ctypes.c_int), ('events', ctypes.c_ushort), ('revents', ctypes.c_ushort)]


def _load_glib():
    """GLib's library through ctypes, or None where it cannot be found."""
    for name in ('libglib-2.0.so.0', None):
        if name is None:
            name = ctypes.util.find_library('glib-2.0')     # slow: only if needed
            if not name:
                continue
        try:
            glib = ctypes.CDLL(name)
        except OSError:
            continue
        break
    else:
        return None
    glib.g_main_context_prepare.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
    glib.g_main_context_prepare.restype = ctypes.c_int
    glib.g_main_context_query.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int),
                                           ctypes.POINTER(_PollFD), ctypes.c_int]
    glib.g_main_context_query.restype = ctypes.c_int
    glib.g_main_context_check.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(_PollFD),
                                           ctypes.c_int]
    glib.g_main_context_check.restype = ctypes.c_int
    glib.g_main_context_dispatch.argtypes = [ctypes.c_void_p]
    glib.g_main_context_dispatch.restype = None
    glib.g_main_context_default.restype = ctypes.c_void_p
    return glib


_glib = _load_glib()

_POLLIN = select.POLLIN | select.POLLPRI
_pumps = {}     # (asyncio loop, context pointer) -> _ContextPump


def _context_pointer(context):
    pointer = hash(context) & ((1 << (8 * ctypes.sizeof(ctypes.c_void_p))) - 1)
    return pointer


class _ContextPump:
    """Iterates a GLib main context from an asyncio loop (see above)."""

    RETRY_SECONDS = 0.01

    @classmethod
    def start(cls, loop, context):
        """A pump for context on loop, or None when it needs none."""
        key = (loop, _context_pointer(context))
        pump = _pumps.get(key)
        if pump is None:
            if context.is_owner() and GLib.main_depth() > 0:
                # This thread is dispatching GLib sources (gbulb's loop runs
                # asyncio from one): it iterates the context already. Owning
                # it outside a dispatch (push_thread_default() acquires it)
                # iterates nothing, so then the pump runs.
                return None
            pump = _pumps[key] = cls(loop, context, key)
        pump.users += 1
        return pump

    def __init__(self, loop, context, key):
        if _glib is None or \
                _context_pointer(GLib.MainContext.default()) != _glib.g_main_context_default():
            raise RuntimeError('Relay cannot iterate GLib from a plain asyncio loop here (GLib\'s '
                               'library not found, or this PyGObject does not give a '
                               'GLib.MainContext\'s address as its hash()): run asyncio on '
                               'GLib\'s loop (gbulb) or use Relay.spawn()')
        self.loop = loop
        self.context = context
        self.pointer = key[1]
        self.key = key
        self.users = 0
        self.releasing = False
        self.owner = False
        self.fds = (_PollFD * 8)()
        self.watched = {}       # fd -> events registered with the loop
        self.timer = None
        self.scheduled = None
        self.acquire()

    def acquire(self):
        """Becomes the context's owner, or waits for its owner to let it go.

        While another thread iterates the context (a GTK main thread, another
        asyncio loop), that thread runs the handlers, and the one that ends
        an await wakes this loop; this loop tries again now and then, in case
        that thread stops iterating while an await here still needs it.
        """
        self.timer = None
        if self.users < 0:
            return
        if self.context.acquire():
            self.owner = True
            self.schedule()
        else:
            self.timer = self.loop.call_later(self.RETRY_SECONDS, self.acquire)

    def schedule(self, *ignored):
        if self.scheduled is None and self.owner:
            self.scheduled = self.loop.call_soon(self.iterate)

    def iterate(self):
        self.scheduled = None
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        priority = ctypes.c_int()
        ready = _glib.g_main_context_prepare(self.pointer, ctypes.byref(priority))
        timeout = ctypes.c_int()
        while True:
            n_fds = _glib.g_main_context_query(self.pointer, priority.value, ctypes.byref(timeout),
                                               self.fds, len(self.fds))
            if n_fds <= len(self.fds):
                break
            self.fds = (_PollFD * n_fds)()
        fds = self.fds[:n_fds]
        poller = select.poll()
        for fd in fds:
            poller.register(fd.fd, fd.events)
        revents = dict(poller.poll(0))
        for fd in fds:
            fd.revents = revents.get(fd.fd, 0) & (fd.events | select.POLLERR | select.POLLHUP)
        for i, fd in enumerate(fds):
            self.fds[i] = fd
        if _glib.g_main_context_check(self.pointer, priority.value, self.fds, n_fds) or ready:
            _glib.g_main_context_dispatch(self.pointer)
            self.schedule()     # more may be ready; a quiet context costs one more round
            return
        self.watch(fds, timeout.value)

    def watch(self, fds, timeout):
        wanted = {}
        for fd in fds:
            wanted[fd.fd] = wanted.get(fd.fd, 0) | fd.events
        for fd, events in list(self.watched.items()):
            if wanted.get(fd) != events:
                self.unwatch(fd)
        for fd, events in wanted.items():
            if fd not in self.watched:
                if events & _POLLIN:
                    self.loop.add_reader(fd, self.schedule)
                if events & select.POLLOUT:
                    self.loop.add_writer(fd, self.schedule)
                self.watched[fd] = events
        if timeout >= 0:
            self.timer = self.loop.call_later(timeout / 1000, self.schedule)

    def unwatch(self, fd):
        events = self.watched.pop(fd)
        if events & _POLLIN:
            self.loop.remove_reader(fd)
        if events & select.POLLOUT:
            self.loop.remove_writer(fd)

    def stop(self):
        """One await less; the last one lets the context go, a little later.

        Later, from a callback: a coroutine that awaits promise after promise
        starts its next await in the same step, and keeps the pump.
        """
        self.users -= 1
        if self.users == 0 and not self.releasing:
            self.releasing = True
            self.loop.call_soon(self.release)

    def release(self):
        self.releasing = False
        if self.users > 0:
            return
        del _pumps[self.key]
        self.users = -1
        for handle in (self.timer, self.scheduled):
            if handle is not None:
                handle.cancel()
        if not self.owner:
            return
        # What is due now still runs (other handlers of the promise just
        # awaited); one round, so a source that is always ready cannot keep
        # the await from ending.
        self.context.iteration(False)
        for fd in list(self.watched):
            self.unwatch(fd)
        self.owner = False
        self.context.release()


_driver = threading.local()     # how many spawn() steps run on this thread


def _running_loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _wake(future):
    if not future.done():
        future.set_result(None)


def _await_in_asyncio(promise, loop):
    future = loop.create_future()

    def settled():
        try:
            loop.call_soon_threadsafe(_wake, future)
        except RuntimeError:
            pass        # the loop is closed: nobody awaits any more

    _when_settled(promise, settled)
    pump = _ContextPump.start(loop, promise.get_context())
    try:
        yield from future
    except asyncio.CancelledError:
        promise.cancel()        # the task was cancelled: so is the work
        raise
    finally:
        if pump is not None:
            pump.stop()
    return promise.result()


class Promise(Relay.Promise):
    """A Relay.Promise that Python can ``await`` and chain with plain callables."""

    def _readable(self, what):
        """Raises unless the promise is fulfilled (see the module docs)."""
        state = Relay.Promise.get_state(self)
        if state == Relay.PromiseState.PENDING:
            raise _pending_error(what)
        if state == Relay.PromiseState.REJECTED:
            _raise_rejection(self)

    def get_state(self):
        """The promise's state.

        Reading it counts as handling a rejection: code that polls the state
        sees the rejection (the ``state`` property does not count).
        """
        _handled(self)
        return Relay.Promise.get_state(self)

    def get_error(self):
        """The promise's GLib.Error, or None; reading it handles the rejection."""
        error = Relay.Promise.get_error(self)
        if error is not None:
            _handled(self)
        return error

    def get_value(self, index):
        """The value at ``index`` (see ``Relay.Promise.get_value``), None if out of range.

        Raises PendingError on a pending promise and the promise's exception
        on a rejected one. A boxed value (``GLib.Bytes``, say) is returned as
        a copy of its own: PyGObject 3.42 wraps the boxed inside a
        ``const GValue *`` without taking a reference, so the plain wrapper
        would dangle once the promise is finalized.
        """
        self._readable('get_value()')
        value = Relay.Promise.get_value(self, index)
        if isinstance(value, GObject.GBoxed):
            value = value.copy()
        return value

    def values(self):
        """All the values the promise was fulfilled with, as a tuple."""
        self._readable('values()')
        return tuple(self.get_value(i) for i in range(self.get_n_values()))

    def result(self):
        """The outcome of a settled promise, without waiting.

        Returns None, the value, or a tuple of values (see the module docs), or
        raises the promise's exception. Raises PendingError if the promise is
        still pending.
        """
        self._readable('result()')
        return _unpack(self.values())

    def __await__(self):
        if getattr(_driver, 'depth', 0):
            # Always through the driver in spawn(), even when already settled:
            # like JavaScript's await, the coroutine resumes from the main
            # loop, and the promise counts as handled.
            yield self
            return self.result()
        loop = _running_loop()
        if loop is None:
            raise RuntimeError('A Relay promise was awaited outside any event loop: run the '
                               'coroutine with asyncio (asyncio.run(), or gbulb in a GTK '
                               'application) or with Relay.spawn() / Relay.run_until_complete()')
        return (yield from _await_in_asyncio(self, loop))

    def resolve(self, value):
        """Fulfils the promise with one value; ``int`` as int64 (see the module docs)."""
        return Relay.Promise.resolve(self, _to_gvalue(value))

    def resolve_values(self, values):
        """Fulfils the promise with several values (see the module docs)."""
        return Relay.Promise.resolve_values(self, _value_list(values, 'resolve_values()'))

    @staticmethod
    def new_resolved(value):
        """A promise fulfilled with one value; ``int`` as int64."""
        return Relay.Promise.new_resolved(_to_gvalue(value))

    @staticmethod
    def new_resolved_values(values):
        """A promise fulfilled with several values."""
        return Relay.Promise.new_resolved_values(_value_list(values, 'new_resolved_values()'))

    def then(self, on_fulfilled=None, on_rejected=None):
        """Calls ``on_fulfilled(result)`` or ``on_rejected(exception)`` once settled.

        Either callable may return a plain value (the new promise is fulfilled
        with it), a promise (the new promise adopts it), or raise (the new
        promise is rejected with that exception). A missing callable passes
        that outcome through. ``on_rejected`` receives the Python exception
        that rejected the promise, or its GLib.Error. Returns the new promise.
        The handlers run on the promise's main context, never before
        ``then()`` returned.
        """
        if on_fulfilled is not None:
            _check_callable(on_fulfilled, 1, 'then() handler on_fulfilled')
        if on_rejected is not None:
            _check_callable(on_rejected, 1, 'then() handler on_rejected')
        box = []
        derived = self.chain(_handler(on_fulfilled, Promise.result, box),
                             _handler(on_rejected, _rejection, box))
        derived.__dict__['_relay_cause'] = box
        return derived

    def catch(self, on_rejected):
        """``then(None, on_rejected)``: handles the exception, returns a new promise."""
        if on_rejected is None:
            raise TypeError('catch() needs a handler')
        return self.then(None, on_rejected)

    def finally_(self, on_settled):
        """Calls ``on_settled()`` either way; the new promise keeps this outcome.

        If ``on_settled`` raises, the new promise is rejected with that exception.
        """
        _check_callable(on_settled, 0, 'finally_() handler')
        box = []

        def handler(promise):
            try:
                on_settled()
            except Exception as exc:
                error = _to_error(exc)
                _record(box, exc, error)
                return Relay.Promise.new_rejected(error)
            exc = _cause(promise)
            if exc is not None:
                _record(box, exc, Relay.Promise.get_error(promise))
            return None

        derived = Relay.Promise.finally_(self, handler)
        derived.__dict__['_relay_cause'] = box
        return derived

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
        for func, what in ((async_func, 'from_async(): the _async function'),
                           (finish_func, 'from_async(): the _finish function')):
            if not callable(func):
                raise TypeError('%s is not callable: %r' % (what, func))
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
                _settle_quietly(promise.reject_exception, exc)
            else:
                _settle_quietly(promise.resolve_result, outcome)

        try:
            async_func(*args, promise.get_cancellable(), ready)
        except Exception:
            # The call never started (wrong arguments, say): nothing settles
            # the promise, so drop it, and the cancellable's handler with it.
            if handler:
                GObject.Object.disconnect(cancellable, handler.pop())
            raise
        return promise

    def _settled_again(self, what):
        return AlreadySettledError(
            '%s: the promise is already %s, and a promise settles only once (cancel() '
            'settles it too). Create a new Relay.Promise for another outcome'
            % (what, _state_name(Relay.Promise.get_state(self))))

    def resolve_result(self, result):
        """Fulfils the promise with a Python result (None, a value or a tuple).

        Raises AlreadySettledError if the promise is settled already.
        """
        if not self.resolve_values(_to_values(result)):
            raise self._settled_again('resolve_result()')
        return True

    def reject_exception(self, exc):
        """Rejects the promise with a Python exception.

        C and JavaScript see a GLib.Error (see the module docs); Python code
        that reads the promise gets ``exc`` itself. Raises AlreadySettledError
        if the promise is settled already.
        """
        error = _to_error(exc)
        box = _cause_box(self)
        _record(box, exc, error)
        if not self.reject(error):
            del box[:]
            raise self._settled_again('reject_exception()')
        return True

    @staticmethod
    def all(promises):
        """A promise for the list of the promises' results, in order.

        Rejected with the first rejection (its exception, for Python code).
        """
        inputs = _promise_list(promises, 'all')
        combined = Relay.Promise.all(inputs)
        return _combine(combined, inputs, lambda p: [Promise.result(i) for i in inputs])

    @staticmethod
    def all_settled(promises):
        """A promise for ``[(state, value or exception), ...]``, once all settled."""
        inputs = _promise_list(promises, 'all_settled')
        combined = Relay.Promise.all_settled(inputs)
        return _combine(combined, inputs, lambda p: [_settled_input(i) for i in inputs])


def _make_getter(name):
    c_getter = getattr(Relay.Promise, name)

    def getter(self):
        self._readable(name + '()')
        return c_getter(self)

    getter.__name__ = name
    getter.__doc__ = ('``Relay.Promise.%s()``; raises PendingError on a pending promise and '
                      'the promise\'s exception on a rejected one' % name)
    return getter


for _name in ('get_boolean', 'get_int64', 'get_double', 'get_string', 'get_object'):
    setattr(Promise, _name, _make_getter(_name))


Promise = override(Promise)
__all__.append('Promise')


def _settle_quietly(settle, outcome):
    """Settles unless something (a cancel) settled the promise first."""
    try:
        settle(outcome)
    except AlreadySettledError:
        pass


def _combine(combined, inputs, make):
    """combined.then(make) with the inputs' Python exceptions kept."""
    box = []

    def fulfilled(promise):
        try:
            result = make(promise)
        except Exception as exc:
            error = _to_error(exc)
            _record(box, exc, error)
            return Relay.Promise.new_rejected(error)
        return Relay.Promise.new_resolved_values([GObject.Value(GObject.TYPE_PYOBJECT, result)])

    def rejected(promise):
        error = Relay.Promise.get_error(promise)
        for item in inputs:
            exc = _cause(item, error)
            if exc is not None:
                _record(box, exc, error)
                break
        return promise

    derived = combined.chain(fulfilled, rejected)
    derived.__dict__['_relay_cause'] = box
    return derived


def _promise_list(promises, name):
    """The inputs of a combinator as a list, or TypeError now."""
    try:
        inputs = list(promises)
    except TypeError:
        raise TypeError('%s() takes an iterable of Relay promises, not %s'
                        % (name, type(promises).__name__)) from None
    for i, item in enumerate(inputs):
        if not isinstance(item, Relay.Promise):
            raise TypeError('%s(): Item %d: Expected Relay.Promise, but got %s%s'
                            % (name, i, type(item).__name__,
                               ' (await a coroutine in the coroutine, or start it with '
                               'Relay.spawn())' if inspect.iscoroutine(item) else ''))
    return inputs


def _settled_input(promise):
    state = Relay.Promise.get_state(promise)
    if state == Relay.PromiseState.FULFILLED:
        return state, Promise.result(promise)
    _handled(promise)
    return state, _rejection(promise)


# One name per concept: Relay.all is Relay.Promise.all (the override's), and so on.
all = Promise.all                  # noqa: A001 (as asyncio.gather)
all_settled = Promise.all_settled


def any(promises):                 # noqa: A001
    """``Relay.Promise.any()``: the first fulfilled input's result.

    If none is fulfilled, rejected with ``Relay.Error.AGGREGATE``; its
    ``dup_errors()`` gives every input's GLib.Error.
    """
    return Relay.Promise.any(_promise_list(promises, 'any'))


def race(promises):
    """``Relay.Promise.race()``: settles as the first input to settle."""
    return Relay.Promise.race(_promise_list(promises, 'race'))


Promise.any = staticmethod(any)
Promise.race = staticmethod(race)
__all__ += ['all', 'all_settled', 'any', 'race']


class Job(Relay.Job):
    """What a job function receives (see ``Pool.run()``)."""

    def report_progress(self, fraction, text=None):
        """Reports progress (0.0 to 1.0) and an optional text; any thread, coalesced.

        The promise's ``progress`` and ``progress-text`` properties change on its
        main context. Same as ``set_progress()``, the C name.
        """
        self.set_progress(fraction, text)

    def return_value(self, value):
        """Returns one value (``int`` as int64); a Python job may just ``return`` it."""
        Relay.Job.return_value(self, _to_gvalue(value))

    def return_values(self, values):
        """Returns several values; a Python job may just ``return`` a tuple."""
        Relay.Job.return_values(self, _value_list(values, 'return_values()'))


Job = override(Job)
__all__.append('Job')


def _job_func(func, args, kwargs, box):
    def run(job):
        try:
            result = func(job, *args, **kwargs)
            if job.has_returned():
                if result is not None:
                    raise AlreadySettledError(
                        'The job function %s returned %r after it had returned a result with '
                        'job.return_*(), which settled the promise: the value is dropped. A '
                        'Python job returns its result with "return"'
                        % (getattr(func, '__qualname__', func), result))
                return
            values = _to_values(result)
        except AlreadySettledError:
            raise       # reported by PyGObject (sys.excepthook): the promise is settled
        except Exception as exc:
            if not job.has_returned():
                error = _to_error(exc)
                _record(box, exc, error)
                job.return_error(error)
            return
        job.return_values(values)

    return run


class Pool(Relay.Pool):
    def run(self, func, *args, **kwargs):
        """Runs ``func(job, *args, **kwargs)`` on a worker thread of the pool.

        The function reports progress with ``job.report_progress()``, checks
        ``job.is_cancelled()`` to stop early, and returns its result as a plain
        value (see the module docs); an exception rejects the promise. Returns
        the promise, which belongs to the calling thread's main context.
        Raises TypeError at once if ``func`` is not callable or does not take
        ``(job, *args, **kwargs)``. An exception the function raises reaches
        Python code that reads the promise as itself (see the module docs).
        """
        if not isinstance(self, Relay.Pool):
            raise TypeError('Expected Relay.Pool, but got %s' % type(self).__name__)
        _check_callable(func, 1, 'job function', args, kwargs)
        box = []
        promise = Relay.Pool.run(self, None, _job_func(func, args, kwargs, box))
        promise.__dict__['_relay_cause'] = box
        return promise


Pool = override(Pool)
__all__.append('Pool')


def run_in_thread(func, *args, **kwargs):
    """``Pool.run()`` on the default pool."""
    return Relay.Pool.get_default().run(func, *args, **kwargs)


__all__.append('run_in_thread')


class Notifier(Relay.Notifier):
    """``Relay.Notifier(func, *user_data)``: ``Relay.Notifier.new()`` as a constructor."""

    def __new__(cls, func, *user_data):
        _check_callable(func, 2, 'notifier callback', user_data)
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
        hint = (' (call the coroutine function: spawn(%s(...)))' % coroutine.__name__
                if inspect.iscoroutinefunction(coroutine) else '')
        raise TypeError('spawn() needs a coroutine, not %s%s' % (type(coroutine).__name__, hint))

    outcome = Promise()
    awaiting = []

    def step():
        error = None
        while True:
            _driver.depth = getattr(_driver, 'depth', 0) + 1
            try:
                if error is None:
                    awaited = coroutine.send(None)
                else:
                    awaited = coroutine.throw(error)
            except StopIteration as stop:
                _settle_quietly(outcome.resolve_result, stop.value)
                return
            except Exception as exc:
                _settle_quietly(outcome.reject_exception, exc)
                return
            finally:
                _driver.depth -= 1
            if isinstance(awaited, Relay.Promise):
                break
            error = TypeError('A coroutine run by Relay can only await Relay promises, not %s'
                              % type(awaited).__name__)

        awaiting[:] = [awaited]
        if Relay.Promise.get_state(outcome) == Relay.PromiseState.REJECTED:
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
    Returns its result or raises its exception, like ``Promise.result()``.
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

    timed = promise
    if timeout is not None:
        timed = promise.timeout(max(0, int(timeout * 1000)))

    loop = GLib.MainLoop.new(GLib.MainContext.ref_thread_default(), False)
    _when_settled(timed, loop.quit)
    loop.run()
    if Relay.Promise.get_state(timed) == Relay.PromiseState.REJECTED:
        exc = _cause(promise, Relay.Promise.get_error(timed))
        if exc is not None:     # the awaitable's own exception, not the timeout's
            _handled(timed)
            raise exc
    return timed.result()


__all__.append('run_until_complete')


# ---------------------------------------------------------------------------
# Streams (issue 20): ``async for`` over a Relay.Channel
# ---------------------------------------------------------------------------

class Channel(Relay.Channel):
    """A Relay.Channel that a coroutine can read with ``async for``.

    ``Relay.Channel(capacity)`` creates one. Inside a coroutine, wherever
    ``await promise`` works (run by :func:`spawn` or
    :func:`run_until_complete`, under gbulb, or under a plain asyncio loop,
    ``asyncio.run()``)::

        async for value in channel:
            ...

    receives one value at a time, in order, until the channel is closed and
    empty; a channel closed with an error of its own raises that
    ``GLib.Error`` from the loop. Each step awaits one ``receive()``: a
    ``break`` leaves the rest queued, and cancelling the coroutine while it
    waits cancels the receive, which leaves the next value queued.
    ``send_value`` and ``push_value`` take plain Python values, converted as
    for promises (see the module docs); the typed sends (``send_int64``, ...)
    and pushes are C's.
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
