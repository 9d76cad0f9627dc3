/* log.c - structured JSON or text log lines on stderr (see log.h).
 * Global state: the configured level and format (written once at start). */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/strbuf.h"
#include "util/timeutil.h"

static log_level configured_level = LOG_INFO;
static bool configured_json = true;

static const char *level_names[] = {"error", "warn", "info", "debug"};
static const char *level_upper[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void log_configure(log_level level, bool json_format)
{
    configured_level = level;
    configured_json = json_format;
}

bool log_enabled(log_level level)
{
    return level <= configured_level;
}

static void emit_text(log_level level, const char *ts, const char *event, json_t *fields)
{
    strbuf sb = STRBUF_INIT;
    sb_printf(&sb, "%s %s %s", ts, level_upper[level], event);
    const char *key;
    json_t *value;
    json_object_foreach(fields, key, value)
    {
        char *v = json_is_string(value) ? NULL : json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
        sb_printf(&sb, " %s=%s", key, v ? v : json_string_value(value));
        free(v);
    }
    sb_append_char(&sb, '\n');
    fputs(sb_str(&sb), stderr);
    sb_free(&sb);
}

void log_emit(log_level level, const char *event, json_t *fields)
{
    if (!log_enabled(level)) {
        json_decref(fields);
        return;
    }
    char ts[RFC3339_LEN + 1];
    time_format(now_us(), ts);
    if (!fields) fields = json_object();
    if (configured_json) {
        json_t *line =
            json_pack("{s:s, s:s, s:s}", "ts", ts, "level", level_names[level], "event", event);
        json_object_update(line, fields);
        char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
        if (text) {
            fprintf(stderr, "%s\n", text);
            free(text);
        }
        json_decref(line);
    } else {
        emit_text(level, ts, event, fields);
    }
    json_decref(fields);
}

void log_msg(log_level level, const char *event, const char *fmt, ...)
{
    if (!log_enabled(level)) return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    log_emit(level, event, json_pack("{s:s}", "message", buf));
}
