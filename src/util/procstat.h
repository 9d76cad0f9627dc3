/* procstat.h - the standard process_* metrics, read from /proc at scrape time
 * (API.md 5.3; Linux only).
 */
#ifndef AUTHRS_PROCSTAT_H
#define AUTHRS_PROCSTAT_H

#include "util/err.h"

/* One reading of the process. A value that could not be read is NaN. */
typedef struct procstat {
    double cpu_seconds;        /* user + system CPU time */
    double resident_bytes;     /* resident set size */
    double virtual_bytes;      /* virtual memory size */
    double open_fds;           /* entries of /proc/self/fd */
    double max_fds;            /* soft RLIMIT_NOFILE; +Inf when unlimited */
    double start_time_seconds; /* process start, seconds since the Unix epoch */
} procstat;

/* Fills *out; returns -1 (ERR_INTERNAL, with the first failure in the detail)
 * when any value could not be read, the others still filled. */
int procstat_read(procstat *out, err *e);

/* CPUs this process may run on (its affinity mask: taskset, cpusets), >= 1. */
int procstat_cpus(void);

/* Defines the six process_* series in the metrics registry as scrape-time
 * callbacks (util/metrics.h). Call once at start, like any definition. */
void procstat_register(void);

#endif
