/* common/daemon.c — stop signals for servers. */
#include "daemon.h"

#include <pthread.h>

void daemon_block_stop_signals(sigset_t *stop)
{
    sigemptyset(stop);
    sigaddset(stop, SIGINT);
    sigaddset(stop, SIGTERM);
    /* every thread started after this inherits the mask: only sigwait() sees the signals */
    pthread_sigmask(SIG_BLOCK, stop, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int daemon_wait_stop(const sigset_t *stop)
{
    int sig = 0;
    while (sigwait(stop, &sig) != 0)
        ;
    return sig;
}
