/* common/daemon.c — stop signals for servers. */
#include "daemon.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

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

int daemon_wait_stop_ms(const sigset_t *stop, int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    for (;;) {
        int sig = sigtimedwait(stop, NULL, &ts);
        if (sig > 0)
            return sig;
        if (errno == EAGAIN)
            return 0;
        /* EINTR: another signal's handler ran; wait again */
    }
}
