/* outbox.c - the dev outbox (API.md 5.6): one JSON line per message,
 * appended to OUTBOX_PATH (created with mode 0600), or logged as event
 * "outbox" at warn when there is no path.
 * Global state: outbox_lock, which serialises appends to the file. */
#include "courier/send.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "util/strbuf.h"
#include "util/timeutil.h"

static pthread_mutex_t outbox_lock = PTHREAD_MUTEX_INITIALIZER;

/* The fields of an outbox entry after "ts", in the documented order. */
static json_t *outbox_fields(const courier_message *m)
{
    return json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "kind",
                     courier_kind_name(m->kind), "channel", courier_channel_name(m->channel),
                     "tenantId", m->tenant_id, "to", m->to, "subject", m->subject, "body", m->body,
                     "code", m->code, "token", m->token, "link", m->link);
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int outbox_write(const char *path, const courier_message *m, err *e)
{
    json_t *fields = outbox_fields(m);
    if (!fields) return err_internal(e, "outbox: cannot encode the message");
    if (!path) {
        log_emit(LOG_WARN, "outbox", fields);
        return 0;
    }
    char ts[RFC3339_LEN + 1];
    time_format(now_us(), ts);
    json_t *line = json_pack("{s:s}", "ts", ts);
    json_object_update(line, fields);
    json_decref(fields);
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    if (!text) return err_internal(e, "outbox: cannot encode the message");
    strbuf entry = STRBUF_INIT; /* one write per line, so lines never interleave */
    sb_append(&entry, text);
    sb_append_char(&entry, '\n');
    free(text);
    int rc = 0;
    pthread_mutex_lock(&outbox_lock);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = err_internal(e, "outbox: cannot open %s: %s", path, strerror(errno));
    } else {
        if (write_all(fd, entry.data, entry.len))
            rc = err_internal(e, "outbox: cannot write %s: %s", path, strerror(errno));
        close(fd);
    }
    pthread_mutex_unlock(&outbox_lock);
    sb_free(&entry);
    return rc;
}
