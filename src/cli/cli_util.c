#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "auris %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_fail(const char *cmd, const auris_error *err)
{
    cli_error(cmd, "%s", err && err->message[0] ? err->message : "failed");
    return CLI_INPUT;
}

int cli_parse_int(const char *cmd, const char *opt, const char *s, long lo, long hi, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || v < lo || v > hi) {
        cli_error(cmd, "%s: expected a whole number from %ld to %ld, got '%s'", opt, lo, hi,
                  s ? s : "");
        return -1;
    }
    *out = (int)v;
    return 0;
}

int cli_parse_float(const char *cmd, const char *opt, const char *s, double lo, double hi,
                    float *out)
{
    char *end = NULL;
    errno = 0;
    double v = s ? strtod(s, &end) : 0;
    if (!s || !*s || *end || errno || !isfinite(v) || v < lo || v > hi) {
        cli_error(cmd, "%s: expected a number from %g to %g, got '%s'", opt, lo, hi, s ? s : "");
        return -1;
    }
    *out = (float)v;
    return 0;
}

double cli_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int cli_isatty(FILE *f)
{
    return isatty(fileno(f));
}

int cli_audio_option(const char *cmd, int opt, const char *arg, auris_source_config *cfg)
{
    switch (opt) {
    case CLI_OPT_RAW:
        cfg->raw = 1;
        return 1;
    case CLI_OPT_RATE:
        cfg->raw = 1;
        return cli_parse_int(cmd, "--rate", arg, AURIS_MIN_SAMPLE_RATE_HZ, AURIS_MAX_SAMPLE_RATE_HZ,
                             &cfg->raw_sample_rate_hz) == 0 ? 1 : -1;
    case CLI_OPT_CHANNELS:
        return cli_parse_int(cmd, "--channels", arg, 1, AURIS_MAX_CHANNELS, &cfg->raw_channels) == 0
            ? 1 : -1;
    default:
        return 0;
    }
}
