/* common/daemon.h — what every long-running server does with signals: block SIGTERM/SIGINT
 * in all threads (so only the main thread's wait sees them) and ignore SIGPIPE.
 * Owns: nothing. Thread-safety: call from the main thread before starting any thread. */
#ifndef COMMON_DAEMON_H
#define COMMON_DAEMON_H

#include <signal.h>

/* Block SIGTERM and SIGINT for this thread and every thread it starts; ignore SIGPIPE.
 * *stop receives the blocked set for daemon_wait_stop(). */
void daemon_block_stop_signals(sigset_t *stop);
/* Wait for SIGTERM or SIGINT; returns the signal number. */
int daemon_wait_stop(const sigset_t *stop);
/* The same for at most ms milliseconds: the signal number, or 0 when none came (periodic work). */
int daemon_wait_stop_ms(const sigset_t *stop, int ms);

#endif
