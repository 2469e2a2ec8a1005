/* auris info: what an audio file is (format, codec, rate, channels, frames, duration). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "core/error.h"

static void help(FILE *f)
{
    fprintf(f, "usage: auris info [OPTIONS] FILE...\n\n"
               "Print format, codec, sample rate, channels, frames and duration of each file.\n\n"
               "  -j, --json           one JSON object per file (one per line):\n"
               "                       {\"file\",\"format\",\"codec\",\"sample_rate\",\"channels\",\"frames\",\"duration\"}\n"
               "  -h, --help           show this help\n"
               CLI_AUDIO_HELP
               "\nWhere the header gives no length (streams), the input is decoded to count frames.\n"
               "Exit status: 0 all files read, 1 usage error, 2 a file could not be read.\n");
}

/* Decodes to the end to count frames the header does not state. */
static auris_status count_frames(auris_source *src, long long *frames, auris_error *err)
{
    static float buf[8192 * 8];
    size_t chunk = sizeof buf / sizeof buf[0] / (size_t)auris_source_channels(src);
    long long total = 0;
    for (;;) {
        size_t got = 0;
        auris_status st = auris_source_read(src, buf, chunk, &got);
        if (st != AURIS_OK)
            return auris_fail(err, st, "%s", auris_source_error(src));
        if (got == 0)
            break;
        total += (long long)got;
    }
    *frames = total;
    return AURIS_OK;
}

static int info_one(const char *path, const auris_source_config *cfg, int json)
{
    auris_error err = {0};
    auris_source *src = NULL;
    if (auris_source_open(path, cfg, &src, &err) != AURIS_OK)
        return cli_fail("info", &err);
    auris_audio_info info = *auris_source_info(src);
    if (info.frames < 0) {
        /* Keep the input's own rate and channels while counting. */
        if (count_frames(src, &info.frames, &err) != AURIS_OK) {
            auris_source_free(src);
            return cli_fail("info", &err);
        }
        info.duration_s = (double)info.frames / info.sample_rate_hz;
    }
    auris_source_free(src);
    if (json) {
        fputs("{\"file\":", stdout);
        auris_json_string(stdout, path);
        fputs(",\"format\":", stdout);
        auris_json_string(stdout, info.format);
        fputs(",\"codec\":", stdout);
        auris_json_string(stdout, info.codec);
        printf(",\"sample_rate\":%d,\"channels\":%d,\"frames\":%lld,\"duration\":%.6f}\n",
               info.sample_rate_hz, info.channels, info.frames, info.duration_s);
    } else {
        printf("%s: %s %s, %d Hz, %d channel%s, %lld frames, %.3f s\n", path, info.format,
               info.codec, info.sample_rate_hz, info.channels, info.channels == 1 ? "" : "s",
               info.frames, info.duration_s);
    }
    return CLI_OK;
}

int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        CLI_AUDIO_LONG_OPTIONS,
        {NULL, 0, NULL, 0}};
    auris_source_config cfg;
    auris_source_config_default(&cfg);
    cfg.mono = 0;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
        int a = cli_audio_option("info", c, optarg, &cfg);
        if (a < 0)
            return CLI_USAGE;
        if (a > 0)
            continue;
        switch (c) {
        case 'j': json = 1; break;
        case 'h': help(stdout); return CLI_OK;
        default: help(stderr); return CLI_USAGE;
        }
    }
    if (optind >= argc) {
        cli_error("info", "no input file (see auris info --help)");
        return CLI_USAGE;
    }
    int status = CLI_OK;
    for (int i = optind; i < argc; i++)
        if (info_one(argv[i], &cfg, json) != CLI_OK)
            status = CLI_INPUT;
    return status;
}
