/* Shared pieces of the `auris` command: the subcommand table, exit codes, option parsing
 * helpers and error printing. Each subcommand lives in its own cmd_NAME.c. */
#ifndef AURIS_CLI_H
#define AURIS_CLI_H

#include <stdio.h>
#include <time.h>
#include "auris/auris.h"
#include "core/json.h" /* auris_json_string for --json output */

enum { CLI_OK = 0, CLI_USAGE = 1, CLI_INPUT = 2 };

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
} cli_command;

/* Prints "auris CMD: message" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the library error (which names the file) and returns CLI_INPUT. */
int cli_fail(const char *cmd, const auris_error *err);

/* Strict number parsing: the whole string must be a number within [lo, hi].
 * On failure prints "auris CMD: --opt: ..." and returns -1. */
int cli_parse_int(const char *cmd, const char *opt, const char *s, long lo, long hi, int *out);
int cli_parse_float(const char *cmd, const char *opt, const char *s, double lo, double hi,
                    float *out);


/* Options every command that reads audio accepts, for getopt_long tables:
 *   --raw            input is headerless s16le PCM
 *   --rate HZ        rate of raw input (given alone with "-", it implies --raw)
 *   --channels N     channels of raw input
 * CLI_AUDIO_LONG_OPTIONS expands to their struct option entries (values 0x1000...). */
#define CLI_OPT_RAW 0x1000
#define CLI_OPT_RATE 0x1001
#define CLI_OPT_CHANNELS 0x1002
#define CLI_AUDIO_LONG_OPTIONS \
    {"raw", no_argument, NULL, CLI_OPT_RAW}, \
    {"rate", required_argument, NULL, CLI_OPT_RATE}, \
    {"channels", required_argument, NULL, CLI_OPT_CHANNELS}
#define CLI_AUDIO_HELP \
    "Input: a file in any format auris decodes, or - for stdin (a WAV stream, or raw\n" \
    "s16le PCM described by --rate/--channels):\n" \
    "      --raw            input is headerless s16le PCM\n" \
    "      --rate HZ        sample rate of raw input (default 16000; implies --raw)\n" \
    "      --channels N     channels of raw input (default 1)\n"

/* Handles an option returned by getopt_long if it is one of the audio options: returns 1
 * when handled, 0 when opt is not an audio option, -1 on a bad value (message printed). */
int cli_audio_option(const char *cmd, int opt, const char *arg, auris_source_config *cfg);

/* Seconds on clock id (CLOCK_MONOTONIC for wall time, CLOCK_PROCESS_CPUTIME_ID for CPU). */
double cli_seconds(clockid_t id);

/* 1 when f is a terminal (progress bars only then). */
int cli_isatty(FILE *f);

#endif
