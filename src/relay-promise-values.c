/* relay-promise-values.c: settling with typed values or errors, and reading the
 * outcome
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The public resolve/reject family and the getters. Everything here goes
 * through _relay_promise_settle() (relay-promise.c) and reads only fields that
 * are immutable once the promise has settled.
 */
#include "config.h"

#include "relay-error.h"
#include "relay-promise-private.h"
#include "relay-sync-private.h"

GValue *
_relay_values_copy (const GValue *values,
             guint         n_values)
{
  GValue *copy;

  if (n_values == 0)
    return NULL;

  copy = g_new0 (GValue, n_values);
  for (guint i = 0; i < n_values; i++)
    {
      g_value_init (&copy[i], G_VALUE_TYPE (&values[i]));
      g_value_copy (&values[i], &copy[i]);
    }

  return copy;
}

void
_relay_values_free (GValue *values,
             guint   n_values)
{
  for (guint i = 0; i < n_values; i++)
    g_value_unset (&values[i]);
  g_free (values);
}

/**
 * relay_promise_new_resolved:
 * @value: (nullable): the value, or %NULL for none
 *
 * Creates a promise already fulfilled with a copy of @value (or with no values).
 * Like [ctor@Relay.Promise.new], it belongs to the calling thread's
 * thread-default main context: its handlers run there.
 *
 * Returns: (transfer full): a fulfilled promise
 */
RelayPromise *
relay_promise_new_resolved (const GValue *value)
{
  RelayPromise *self = relay_promise_new ();

  relay_promise_resolve (self, value);
  return self;
}

/**
 * relay_promise_new_resolved_values:
 * @values: (array length=n_values) (nullable): the values
 * @n_values: the number of values
 *
 * Creates a promise already fulfilled with copies of @values. It belongs to
 * the calling thread's thread-default main context: its handlers run there.
 *
 * Returns: (transfer full): a fulfilled promise
 */
RelayPromise *
relay_promise_new_resolved_values (const GValue *values,
                                   guint         n_values)
{
  RelayPromise *self;

  g_return_val_if_fail (values != NULL || n_values == 0, NULL);

  self = relay_promise_new ();
  relay_promise_resolve_values (self, values, n_values);
  return self;
}

/**
 * relay_promise_new_rejected:
 * @error: (transfer full): the error
 *
 * Creates a promise already rejected with @error, which it takes, as
 * g_task_return_error() does. It belongs to the calling thread's
 * thread-default main context: its handlers run there, and so does the
 * unhandled-rejection report if nothing handles it.
 *
 * Returns: (transfer full): a rejected promise
 */
RelayPromise *
relay_promise_new_rejected (GError *error)
{
  RelayPromise *self;

  g_return_val_if_fail (error != NULL, NULL);

  self = relay_promise_new ();
  relay_promise_reject (self, error);
  return self;
}

/* ------------------------------------------------------------------------ */
/* Settling                                                                 */
/* ------------------------------------------------------------------------ */

/**
 * relay_promise_resolve:
 * @self: a promise
 * @value: (nullable): the value, or %NULL to fulfil with no values
 *
 * Fulfils @self with a copy of @value. Any thread.
 *
 * Returns: %TRUE if this call settled @self; %FALSE if it was already settled
 */
gboolean
relay_promise_resolve (RelayPromise *self,
                       const GValue *value)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);
  g_return_val_if_fail (value == NULL || G_IS_VALUE (value), FALSE);

  return relay_promise_resolve_values (self, value, value != NULL ? 1 : 0);
}

/**
 * relay_promise_resolve_values:
 * @self: a promise
 * @values: (array length=n_values) (nullable): the values
 * @n_values: the number of values
 *
 * Fulfils @self with copies of @values (several values, where a GTask returns
 * one). Any thread.
 *
 * Returns: %TRUE if this call settled @self; %FALSE if it was already settled
 */
gboolean
relay_promise_resolve_values (RelayPromise *self,
                              const GValue *values,
                              guint         n_values)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);
  g_return_val_if_fail (values != NULL || n_values == 0, FALSE);

  if (_relay_promise_state (self) != RELAY_PROMISE_STATE_PENDING)
    return FALSE;

  return _relay_promise_settle (self, RELAY_PROMISE_STATE_FULFILLED, _relay_values_copy (values, n_values), n_values, NULL, FALSE);
}

/* Fulfils with one value, taking ownership of @value's contents. */
gboolean
_relay_promise_resolve_take (RelayPromise *self,
              GValue       *value)
{
  GValue *values = g_new0 (GValue, 1);

  *values = *value;
  return _relay_promise_settle (self, RELAY_PROMISE_STATE_FULFILLED, values, 1, NULL, FALSE);
}

#define DEFINE_RESOLVE(suffix, ctype, gtype, setter)                     \
gboolean                                                                \
relay_promise_resolve_##suffix (RelayPromise *self,                     \
                                ctype         value)                    \
{                                                                       \
  GValue v = G_VALUE_INIT;                                              \
                                                                        \
  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);                \
                                                                        \
  if (_relay_promise_state (self) != RELAY_PROMISE_STATE_PENDING)         \
    return FALSE;                                                       \
                                                                        \
  g_value_init (&v, gtype);                                             \
  setter (&v, value);                                                   \
  return _relay_promise_resolve_take (self, &v);                                       \
}

/**
 * relay_promise_resolve_boolean:
 * @self: a promise
 * @value: the value
 *
 * Fulfils @self with one %G_TYPE_BOOLEAN value. Any thread.
 *
 * Returns: %TRUE if this call settled @self
 */
DEFINE_RESOLVE (boolean, gboolean, G_TYPE_BOOLEAN, g_value_set_boolean)

/**
 * relay_promise_resolve_int64:
 * @self: a promise
 * @value: the value
 *
 * Fulfils @self with one %G_TYPE_INT64 value. Any thread.
 *
 * Returns: %TRUE if this call settled @self
 */
DEFINE_RESOLVE (int64, gint64, G_TYPE_INT64, g_value_set_int64)

/**
 * relay_promise_resolve_double:
 * @self: a promise
 * @value: the value
 *
 * Fulfils @self with one %G_TYPE_DOUBLE value. Any thread.
 *
 * Returns: %TRUE if this call settled @self
 */
DEFINE_RESOLVE (double, double, G_TYPE_DOUBLE, g_value_set_double)

/**
 * relay_promise_resolve_string:
 * @self: a promise
 * @value: (nullable): the string, copied
 *
 * Fulfils @self with one %G_TYPE_STRING value. Any thread.
 *
 * Returns: %TRUE if this call settled @self
 */
DEFINE_RESOLVE (string, const char *, G_TYPE_STRING, g_value_set_string)

/**
 * relay_promise_resolve_object:
 * @self: a promise
 * @object: (type GObject) (nullable): the object; the promise takes a reference
 *
 * Fulfils @self with one value holding @object (of @object's type). Any thread.
 *
 * Returns: %TRUE if this call settled @self
 */
gboolean
relay_promise_resolve_object (RelayPromise *self,
                              gpointer      object)
{
  GValue v = G_VALUE_INIT;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);
  g_return_val_if_fail (object == NULL || G_IS_OBJECT (object), FALSE);

  if (_relay_promise_state (self) != RELAY_PROMISE_STATE_PENDING)
    return FALSE;

  g_value_init (&v, object != NULL ? G_OBJECT_TYPE (object) : G_TYPE_OBJECT);
  g_value_set_object (&v, object);
  return _relay_promise_resolve_take (self, &v);
}

/**
 * relay_promise_resolve_pointer:
 * @self: a promise
 * @pointer: (nullable): the pointer
 * @destroy: (nullable): releases @pointer when the promise (and every promise
 *   that passed the value on) is finalized, or at once if @self was already settled
 *
 * Fulfils @self with one %G_TYPE_POINTER value. Any thread.
 *
 * Returns: %TRUE if this call settled @self
 */
gboolean
relay_promise_resolve_pointer (RelayPromise   *self,
                               gpointer        pointer,
                               GDestroyNotify  destroy)
{
  GValue v = G_VALUE_INIT;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);

  if (destroy != NULL)
    {
      _relay_promise_lock (self);
      if (_relay_promise_state (self) == RELAY_PROMISE_STATE_PENDING)
        {
          PromiseExtra *extra = _relay_promise_ensure_extra_locked (self);

          if (extra->pointer_destroy == NULL)
            {
              extra->pointer = pointer;
              extra->pointer_destroy = destroy;
              destroy = NULL;
            }
        }
      _relay_promise_unlock (self);

      if (destroy != NULL)    /* already settled, or a racing resolve_pointer won */
        {
          destroy (pointer);
          return FALSE;
        }
    }

  g_value_init (&v, G_TYPE_POINTER);
  g_value_set_pointer (&v, pointer);
  if (_relay_promise_resolve_take (self, &v))
    return TRUE;

  return FALSE;
}

/**
 * relay_promise_reject:
 * @self: a promise
 * @error: (transfer full): the error
 *
 * Rejects @self with @error, taking ownership of it as g_task_return_error()
 * does (it is freed if @self was already settled). To reject with an error
 * you keep, pass g_error_copy(); for a new one,
 * [method@Relay.Promise.reject_literal]. Any thread.
 *
 * Returns: %TRUE if this call settled @self; %FALSE if it was already settled
 */
gboolean
relay_promise_reject (RelayPromise *self,
                      GError       *error)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);
  g_return_val_if_fail (error != NULL, FALSE);

  return _relay_promise_settle (self, RELAY_PROMISE_STATE_REJECTED, NULL, 0, error, FALSE);
}

/**
 * relay_promise_reject_literal:
 * @self: a promise
 * @domain: an error domain
 * @code: an error code
 * @message: the error message
 *
 * Rejects @self with a new error. Any thread.
 *
 * Returns: %TRUE if this call settled @self; %FALSE if it was already settled
 */
gboolean
relay_promise_reject_literal (RelayPromise *self,
                              GQuark        domain,
                              int           code,
                              const char   *message)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);
  g_return_val_if_fail (domain != 0, FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  return _relay_promise_reject_code (self, domain, code, message);
}

/**
 * relay_promise_get_n_values:
 * @self: a promise
 *
 * Counts the values of a fulfilled promise. Any thread.
 *
 * Returns: how many values @self was fulfilled with; 0 while pending or if rejected
 */
guint
relay_promise_get_n_values (RelayPromise *self)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), 0);

  if (_relay_promise_state (self) != RELAY_PROMISE_STATE_FULFILLED)
    return 0;

  return _relay_promise_n_values (self);
}

/**
 * relay_promise_get_value:
 * @self: a promise
 * @index: which value, from 0
 *
 * Returns one of the values @self was fulfilled with. Any thread; the value
 * lives as long as @self.
 *
 * Returns: (transfer none) (nullable): the value, or %NULL if @self is not
 *   fulfilled or has no value at @index
 */
const GValue *
relay_promise_get_value (RelayPromise *self,
                         guint         index)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  if (_relay_promise_state (self) != RELAY_PROMISE_STATE_FULFILLED || index >= _relay_promise_n_values (self))
    return NULL;

  return &self->values[index];
}

/**
 * relay_promise_get_values:
 * @self: a promise
 * @n_values: (out): return location for the number of values
 *
 * Returns every value @self was fulfilled with, in order. Any thread; the
 * values live as long as @self.
 *
 * Returns: (transfer none) (array length=n_values) (nullable): the values, or
 *   %NULL if there are none or @self is not fulfilled
 */
const GValue *
relay_promise_get_values (RelayPromise *self,
                          guint        *n_values)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);
  g_return_val_if_fail (n_values != NULL, NULL);

  *n_values = relay_promise_get_n_values (self);
  return *n_values > 0 ? self->values : NULL;
}

/* The first value of @self for a typed getter, or %NULL after a critical
 * that says what is wrong: @self is pending, rejected, fulfilled with no
 * values, or its first value does not hold (or convert to) @type. With
 * @transform, the value is converted into @out (which the caller unsets). */
static const GValue *
first_value_as (RelayPromise *self,
                GType         type,
                GValue       *out,
                const char   *strfunc)
{
  const GValue *value;

  switch (_relay_promise_state (self))
    {
    case RELAY_PROMISE_STATE_PENDING:
      g_critical ("%s: the promise is still pending; read it in a handler, or once "
                  "relay_promise_get_state() says it is fulfilled", strfunc);
      return NULL;

    case RELAY_PROMISE_STATE_REJECTED:
      g_critical ("%s: the promise was rejected (%s); read its error with "
                  "relay_promise_get_error()", strfunc, self->error->message);
      return NULL;

    default:
      break;
    }

  if (_relay_promise_n_values (self) == 0)
    {
      g_critical ("%s: the promise was fulfilled with no values", strfunc);
      return NULL;
    }

  value = &self->values[0];
  if (g_type_is_a (G_VALUE_TYPE (value), type))
    return value;

  if (out != NULL && g_value_type_transformable (G_VALUE_TYPE (value), type))
    {
      g_value_init (out, type);
      if (g_value_transform (value, out))
        return out;
      g_value_unset (out);
    }

  g_critical ("%s: the promise's value is a %s, not a %s", strfunc,
              G_VALUE_TYPE_NAME (value), g_type_name (type));
  return NULL;
}

/**
 * relay_promise_get_boolean:
 * @self: a fulfilled promise
 *
 * Reads the first value of @self, which must hold a %G_TYPE_BOOLEAN (see
 * [method@Relay.Promise.resolve_boolean]). Any thread.
 *
 * Reading a pending or rejected promise, one fulfilled with no values, or a
 * value of another type is a programming error: it reports a critical and
 * returns %FALSE.
 *
 * Returns: the first value
 */
gboolean
relay_promise_get_boolean (RelayPromise *self)
{
  const GValue *value;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), FALSE);

  value = first_value_as (self, G_TYPE_BOOLEAN, NULL, G_STRFUNC);
  return value != NULL ? g_value_get_boolean (value) : FALSE;
}

/**
 * relay_promise_get_int64:
 * @self: a fulfilled promise
 *
 * Reads the first value of @self as a 64-bit integer: a %G_TYPE_INT64 (see
 * [method@Relay.Promise.resolve_int64]), or any integer type GLib converts to
 * one. Any thread.
 *
 * Reading a pending or rejected promise, one fulfilled with no values, or a
 * value that is no integer is a programming error: it reports a critical and
 * returns 0.
 *
 * Returns: the first value
 */
gint64
relay_promise_get_int64 (RelayPromise *self)
{
  GValue converted = G_VALUE_INIT;
  const GValue *value;
  gint64 result;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), 0);

  value = first_value_as (self, G_TYPE_INT64, &converted, G_STRFUNC);
  if (value == NULL)
    return 0;

  result = g_value_get_int64 (value);
  if (value == &converted)
    g_value_unset (&converted);
  return result;
}

/**
 * relay_promise_get_double:
 * @self: a fulfilled promise
 *
 * Reads the first value of @self as a double: a %G_TYPE_DOUBLE (see
 * [method@Relay.Promise.resolve_double]), or any number GLib converts to one.
 * Any thread.
 *
 * Reading a pending or rejected promise, one fulfilled with no values, or a
 * value that is no number is a programming error: it reports a critical and
 * returns 0.
 *
 * Returns: the first value
 */
double
relay_promise_get_double (RelayPromise *self)
{
  GValue converted = G_VALUE_INIT;
  const GValue *value;
  double result;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), 0.0);

  value = first_value_as (self, G_TYPE_DOUBLE, &converted, G_STRFUNC);
  if (value == NULL)
    return 0.0;

  result = g_value_get_double (value);
  if (value == &converted)
    g_value_unset (&converted);
  return result;
}

/**
 * relay_promise_get_string:
 * @self: a fulfilled promise
 *
 * Reads the first value of @self, which must hold a %G_TYPE_STRING (see
 * [method@Relay.Promise.resolve_string]). Any thread; the string lives as
 * long as @self.
 *
 * Reading a pending or rejected promise, one fulfilled with no values, or a
 * value of another type is a programming error: it reports a critical and
 * returns %NULL.
 *
 * Returns: (nullable) (transfer none): the first value (which may be %NULL)
 */
const char *
relay_promise_get_string (RelayPromise *self)
{
  const GValue *value;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  value = first_value_as (self, G_TYPE_STRING, NULL, G_STRFUNC);
  return value != NULL ? g_value_get_string (value) : NULL;
}

/**
 * relay_promise_get_object:
 * @self: a fulfilled promise
 *
 * Reads the first value of @self, which must hold a [class@GObject.Object]
 * (see [method@Relay.Promise.resolve_object]). Any thread; the object lives
 * at least as long as @self.
 *
 * Reading a pending or rejected promise, one fulfilled with no values, or a
 * value of another type is a programming error: it reports a critical and
 * returns %NULL.
 *
 * Returns: (nullable) (transfer none) (type GObject): the first value (which
 *   may be %NULL)
 */
gpointer
relay_promise_get_object (RelayPromise *self)
{
  const GValue *value;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  value = first_value_as (self, G_TYPE_OBJECT, NULL, G_STRFUNC);
  return value != NULL ? g_value_get_object (value) : NULL;
}

/**
 * relay_promise_get_pointer: (skip)
 * @self: a fulfilled promise
 *
 * Reads the first value of @self, which must hold a %G_TYPE_POINTER (see
 * [method@Relay.Promise.resolve_pointer]). Any thread; the pointer stays
 * valid at least as long as @self.
 *
 * Reading a pending or rejected promise, one fulfilled with no values, or a
 * value of another type is a programming error: it reports a critical and
 * returns %NULL.
 *
 * Returns: (nullable) (transfer none): the first value (which may be %NULL)
 */
gpointer
relay_promise_get_pointer (RelayPromise *self)
{
  const GValue *value;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  value = first_value_as (self, G_TYPE_POINTER, NULL, G_STRFUNC);
  return value != NULL ? g_value_get_pointer (value) : NULL;
}

/**
 * relay_promise_get_error:
 * @self: a promise
 *
 * Any thread; the error lives as long as @self.
 *
 * Returns: (transfer none) (nullable): the error @self was rejected with, or
 *   %NULL if it is not rejected
 */
const GError *
relay_promise_get_error (RelayPromise *self)
{
  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  if (_relay_promise_state (self) != RELAY_PROMISE_STATE_REJECTED)
    return NULL;

  return self->error;
}

void
_relay_promise_set_errors (RelayPromise *self,
                           GPtrArray    *errors)
{
  _relay_promise_lock (self);
  if (_relay_promise_state (self) == RELAY_PROMISE_STATE_PENDING)
    {
      PromiseExtra *extra = _relay_promise_ensure_extra_locked (self);

      g_clear_pointer (&extra->errors, g_ptr_array_unref);
      extra->errors = g_steal_pointer (&errors);
    }
  _relay_promise_unlock (self);

  g_clear_pointer (&errors, g_ptr_array_unref);
}

/**
 * relay_promise_dup_errors:
 * @self: a promise
 * @n_errors: (out) (optional): return location for the number of errors
 *
 * Copies the individual errors behind a %RELAY_ERROR_AGGREGATE rejection from
 * [func@Relay.Promise.any], one per input, in input order. The array is also
 * %NULL-terminated. Free each error with g_error_free() and the array with
 * g_free(). Any thread.
 *
 * Returns: (array length=n_errors) (transfer full) (nullable): a new array
 *   of copies of the errors, or %NULL (and 0) if @self was not rejected by
 *   [func@Relay.Promise.any]
 */
GError **
relay_promise_dup_errors (RelayPromise *self,
                          guint        *n_errors)
{
  PromiseExtra *extra;
  GError **copy;

  if (n_errors != NULL)
    *n_errors = 0;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  /* @errors is set before the promise settles and immutable after. */
  extra = g_atomic_pointer_get (&self->extra);
  if (_relay_promise_state (self) != RELAY_PROMISE_STATE_REJECTED ||
      extra == NULL || extra->errors == NULL)
    return NULL;

  copy = g_new0 (GError *, extra->errors->len + 1);
  for (guint i = 0; i < extra->errors->len; i++)
    copy[i] = g_error_copy (g_ptr_array_index (extra->errors, i));
  if (n_errors != NULL)
    *n_errors = extra->errors->len;

  return copy;
}
