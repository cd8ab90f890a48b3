/* schedstat.h: a thread's scheduler counters from /proc (Linux), for the
 * main-loop stall probes of the demo's self-test (demos/relay-demo/
 * demo-measure.c) and the list-store benchmark (tests/bench/bench-list-store.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * /proc/<pid or thread-self>/schedstat holds the CPU time a thread used and
 * the time it waited on a run queue for a CPU, in ns. A probe that sees the
 * main loop stall subtracts the wait: on a busy machine, what the scheduler
 * withheld is not the application's doing. Open the file once and read it
 * with schedstat_read() at each sample; where /proc has no such file the
 * opener returns -1 and the probes leave the split out.
 */
#pragma once

#include <glib.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

/* The calling thread's counters: the descriptor keeps meaning the thread
 * that opened it. Returns -1 if there is no such file. */
static inline int
schedstat_open_thread (void)
{
  return open ("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
}

#ifdef _GNU_SOURCE   /* struct ucred: define it before the first include */
/* The counters of the process at the other end of the connected Unix socket
 * @socket_fd (SO_PEERCRED), such as a display server; -1 if unknown. */
static inline int
schedstat_open_peer (int socket_fd)
{
  struct ucred cred = { 0 };
  socklen_t len = sizeof cred;
  char path[64];

  if (getsockopt (socket_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.pid <= 0)
    return -1;
  g_snprintf (path, sizeof path, "/proc/%d/schedstat", (int) cred.pid);
  return open (path, O_RDONLY | O_CLOEXEC);
}
#endif

/* Reads the CPU time and the run-queue wait so far, in ns, from @fd (from
 * one of the openers above). FALSE if @fd is -1 or the file said nothing
 * readable. */
static inline gboolean
schedstat_read (int     fd,
                gint64 *cpu_ns,
                gint64 *wait_ns)
{
  char buffer[96];
  long long cpu, wait;
  ssize_t n;

  if (fd < 0)
    return FALSE;
  n = pread (fd, buffer, sizeof buffer - 1, 0);
  if (n <= 0)
    return FALSE;
  buffer[n] = '\0';
  if (sscanf (buffer, "%lld %lld", &cpu, &wait) != 2)
    return FALSE;
  *cpu_ns = cpu;
  *wait_ns = wait;
  return TRUE;
}
