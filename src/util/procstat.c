/* procstat.c - process_* metrics from /proc/self (see procstat.h).
 * No state: every scrape reads the files again. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "util/procstat.h"

#include <sched.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/metrics.h"

/* The fields of /proc/self/stat that the metrics use (proc(5) numbering). */
typedef struct self_stat {
    unsigned long long utime, stime; /* 14, 15: clock ticks */
    unsigned long long starttime;    /* 22: clock ticks after boot */
    unsigned long long vsize;        /* 23: bytes */
    unsigned long long rss;          /* 24: pages */
} self_stat;

static int read_self_stat(self_stat *st)
{
    char buf[2048];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = '\0';
    /* The command name (field 2) may hold spaces and parentheses: skip to the
     * last ')', then the state letter (field 3). */
    const char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || !p[2]) return -1;
    p += 3;
    unsigned long long field[25];
    for (int k = 4; k <= 24; k++) {
        char *end;
        field[k] = strtoull(p, &end, 10);
        if (end == p) return -1;
        p = end;
    }
    st->utime = field[14];
    st->stime = field[15];
    st->starttime = field[22];
    st->vsize = field[23];
    st->rss = field[24];
    return 0;
}

/* Seconds since the epoch at which the system booted ("btime" of /proc/stat). */
static double boot_time(void)
{
    FILE *f = fopen("/proc/stat", "re");
    if (!f) return NAN;
    double t = NAN;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "btime ", 6) == 0) {
            t = strtod(line + 6, NULL);
            break;
        }
    }
    fclose(f);
    return t;
}

/* Each reader returns NaN when it cannot read; the unused argument makes it a
 * metrics callback. */

static double read_cpu_seconds(void *unused)
{
    (void)unused;
    self_stat st;
    if (read_self_stat(&st) < 0) return NAN;
    return (double)(st.utime + st.stime) / (double)sysconf(_SC_CLK_TCK);
}

static double read_resident_bytes(void *unused)
{
    (void)unused;
    self_stat st;
    if (read_self_stat(&st) < 0) return NAN;
    return (double)st.rss * (double)sysconf(_SC_PAGESIZE);
}

static double read_virtual_bytes(void *unused)
{
    (void)unused;
    self_stat st;
    if (read_self_stat(&st) < 0) return NAN;
    return (double)st.vsize;
}

/* Open descriptors, not counting the one that lists them. */
static double read_open_fds(void *unused)
{
    (void)unused;
    DIR *d = opendir("/proc/self/fd");
    if (!d) return NAN;
    double n = 0;
    for (struct dirent *de; (de = readdir(d));)
        if (de->d_name[0] != '.') n++;
    closedir(d);
    return n - 1;
}

/* The soft limit, as "Max open files" in /proc/self/limits shows it. */
static double read_max_fds(void *unused)
{
    (void)unused;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return NAN;
    return rl.rlim_cur == RLIM_INFINITY ? INFINITY : (double)rl.rlim_cur;
}

static double read_start_time_seconds(void *unused)
{
    (void)unused;
    self_stat st;
    if (read_self_stat(&st) < 0) return NAN;
    return boot_time() + (double)st.starttime / (double)sysconf(_SC_CLK_TCK);
}

static const struct {
    const char *name, *help;
    bool counter;
    double (*read)(void *unused);
    size_t offset; /* in procstat */
} items[] = {
    {"process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", true,
     read_cpu_seconds, offsetof(procstat, cpu_seconds)},
    {"process_resident_memory_bytes", "Resident memory size in bytes.", false, read_resident_bytes,
     offsetof(procstat, resident_bytes)},
    {"process_virtual_memory_bytes", "Virtual memory size in bytes.", false, read_virtual_bytes,
     offsetof(procstat, virtual_bytes)},
    {"process_open_fds", "Number of open file descriptors.", false, read_open_fds,
     offsetof(procstat, open_fds)},
    {"process_max_fds", "Maximum number of open file descriptors.", false, read_max_fds,
     offsetof(procstat, max_fds)},
    {"process_start_time_seconds", "Start time of the process since unix epoch in seconds.", false,
     read_start_time_seconds, offsetof(procstat, start_time_seconds)},
};

int procstat_read(procstat *out, err *e)
{
    int rc = 0;
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        double v = items[i].read(NULL);
        memcpy((char *)out + items[i].offset, &v, sizeof v);
        if (isnan(v) && rc == 0) rc = err_internal(e, "cannot read %s from /proc", items[i].name);
    }
    return rc;
}

void procstat_register(void)
{
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        if (items[i].counter)
            metrics_counter_callback(items[i].name, items[i].help, items[i].read, NULL);
        else
            metrics_gauge_callback(items[i].name, items[i].help, items[i].read, NULL);
    }
}

int procstat_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}
