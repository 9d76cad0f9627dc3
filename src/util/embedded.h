/* embedded.h - files compiled into the binary at build time (cmake/embed.cmake):
 * the SQL migrations of src/store/migrations/ and the documents of src/api/assets/.
 * Each datum is NUL-terminated; len excludes the NUL. */
#ifndef AUTHRS_EMBEDDED_H
#define AUTHRS_EMBEDDED_H

#include <stddef.h>

typedef struct embedded_file {
    const char *name; /* file name without directory, e.g. "0001_schema.sql" */
    const char *data;
    size_t len;
} embedded_file;

/* Sorted by name; ends with an entry whose name is NULL. */
extern const embedded_file embedded_files[];

const embedded_file *embedded_find(const char *name);

#endif
