#ifndef CRINGBACK_INOTIFY_SHIM_H
#define CRINGBACK_INOTIFY_SHIM_H

#include <sys/inotify.h>
#include <sys/eventfd.h>
#include <poll.h>
#include <unistd.h>
#include <errno.h>
#include <string.h>

/* The masks are macros; Swift sees them through these. */
static inline uint32_t CRingbackInotify_watchMask(void) {
    return IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW;
}
static inline uint32_t CRingbackInotify_closeWrite(void) { return IN_CLOSE_WRITE; }
static inline uint32_t CRingbackInotify_movedTo(void) { return IN_MOVED_TO; }
static inline uint32_t CRingbackInotify_create(void) { return IN_CREATE; }
static inline uint32_t CRingbackInotify_isDirectory(void) { return IN_ISDIR; }
static inline uint32_t CRingbackInotify_overflow(void) { return IN_Q_OVERFLOW; }
static inline uint32_t CRingbackInotify_ignored(void) { return IN_IGNORED; }
static inline int CRingbackInotify_init(void) { return inotify_init1(IN_NONBLOCK | IN_CLOEXEC); }
static inline int CRingbackInotify_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
static inline int CRingbackInotify_errno(void) { return errno; }

/* Waits for the inotify fd or the wake fd; returns poll()'s result and which fired. */
static inline int CRingbackInotify_wait(int inotifyFD, int wakeFD, int timeoutMs, int *inotifyReady, int *woken) {
    struct pollfd fds[2] = { { inotifyFD, POLLIN, 0 }, { wakeFD, POLLIN, 0 } };
    int rc = poll(fds, 2, timeoutMs);
    *inotifyReady = rc > 0 && (fds[0].revents & POLLIN);
    *woken = rc > 0 && (fds[1].revents & POLLIN);
    return rc;
}

#endif
