/* Writing JSON string literals by hand-formatted writers (args.json, the CLI's --json). */
#ifndef AURIS_CORE_JSON_H
#define AURIS_CORE_JSON_H

#include <stdio.h>

/* Writes s to f as a JSON string literal: quoted, with quotes, backslashes and control
 * characters escaped. */
void auris_json_string(FILE *f, const char *s);

#endif
