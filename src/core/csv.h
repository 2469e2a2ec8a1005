/* Splitting one line of CSV (RFC 4180 quoting: "a, b" and "" for a quote) in place. */
#ifndef AURIS_CORE_CSV_H
#define AURIS_CORE_CSV_H

/* Splits line (modified: quotes removed, fields NUL-terminated) into at most max fields;
 * a trailing "\n" or "\r\n" is dropped. Returns the number of fields, or -1 for an
 * unterminated quote or more than max fields. */
int auris_csv_split(char *line, char **fields, int max);

#endif
