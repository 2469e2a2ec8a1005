/* `auris spectrogram IN -o OUT.png`: a labelled spectrogram figure, or with --raw a bare
 * image (one pixel per bin and frame) for image-classifier pipelines. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"

static const char *const CMD = "spectrogram";

typedef struct spectrogram_opts {
    auris_spectrogram_config cfg;
    auris_source_config src;
    const char *input;
    const char *output;
    int json;
    int rate_given;
    int channels_given;
} spectrogram_opts;

static void usage(FILE *f)
{
    fprintf(f,
        "usage: auris spectrogram [OPTIONS] IN -o OUT.png\n\n"
        "Draws the spectrogram of IN (any format auris reads; - for stdin) as a PNG figure\n"
        "with a time axis in seconds, a frequency axis in Hz, a dB colour bar and a title.\n"
        "Long inputs are streamed: memory depends on the picture size, not the input length.\n"
        "Several channels are mixed to mono.\n\n"
        "Options:\n"
        "  -o, --output FILE     PNG to write (required)\n"
        "      --width PX        figure width, 240..8192 (default 1200)\n"
        "      --height PX       figure height, 160..8192 (default 600)\n"
        "      --scale SCALE     frequency axis: linear, log or mel (default mel)\n"
        "      --cmap NAME       colormap: viridis (default), magma, gray or jet\n"
        "      --title TEXT      title (default: the input's file name; \"\" for none)\n"
        "      --db-range DB     dynamic range shown below the loudest value, 1..300\n"
        "                        (default 80)\n"
        "      --n-fft N         FFT size in samples, 16..65536 (default 2048)\n"
        "      --hop N           hop between frames in samples, 1..n-fft (default n-fft/4)\n"
        "      --n-mels N        mel bands for --scale mel, 1..1024 (default 128)\n"
        "      --f-min HZ        lowest frequency shown (default 0; 20 with --scale log)\n"
        "      --f-max HZ        highest frequency shown (default: half the sample rate)\n"
        "      --raw             write the bare image instead of a figure: one pixel column\n"
        "                        per frame, one row per STFT bin (--scale linear) or mel\n"
        "                        band (--scale mel), low frequencies at the bottom; 8-bit\n"
        "                        grayscale with --cmap gray. At most 32767 frames wide.\n"
        "      --raw-pcm         IN is headerless signed 16-bit little-endian PCM\n"
        "      --rate HZ         sample rate of --raw-pcm input (default 16000)\n"
        "      --channels N      channels of --raw-pcm input (default 1)\n"
        "      --json            print what was drawn (sizes, frames, duration) as JSON\n"
        "  -h, --help            show this help\n\n"
        "Colours span [max - db-range, max] dB; the colour bar is labelled in dB relative to\n"
        "the loudest value. Mel bands use the Slaney mel scale and area normalisation.\n\n"
        "Examples:\n"
        "  auris spectrogram speech.wav -o speech.png\n"
        "  auris spectrogram song.mp3 --scale log --cmap magma --width 1600 -o song.png\n"
        "  auris spectrogram clip.flac --raw --cmap gray --n-mels 64 -o clip_mel.png\n"
        "  arecord -f S16_LE -r 16000 | auris spectrogram - --raw-pcm -o live.png\n\n"
        "Exit status: 0 success, 1 usage error, 2 input error (unreadable, empty or\n"
        "corrupt input, settings the input cannot satisfy, or an unwritable output).\n");
}

enum {
    OPT_WIDTH = 256, OPT_HEIGHT, OPT_SCALE, OPT_CMAP, OPT_TITLE, OPT_DB_RANGE, OPT_N_FFT,
    OPT_HOP, OPT_N_MELS, OPT_F_MIN, OPT_F_MAX, OPT_RAW, OPT_RAW_PCM, OPT_RATE, OPT_CHANNELS,
    OPT_JSON
};

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"width", required_argument, NULL, OPT_WIDTH},
    {"height", required_argument, NULL, OPT_HEIGHT},
    {"scale", required_argument, NULL, OPT_SCALE},
    {"cmap", required_argument, NULL, OPT_CMAP},
    {"title", required_argument, NULL, OPT_TITLE},
    {"db-range", required_argument, NULL, OPT_DB_RANGE},
    {"n-fft", required_argument, NULL, OPT_N_FFT},
    {"hop", required_argument, NULL, OPT_HOP},
    {"n-mels", required_argument, NULL, OPT_N_MELS},
    {"f-min", required_argument, NULL, OPT_F_MIN},
    {"f-max", required_argument, NULL, OPT_F_MAX},
    {"raw", no_argument, NULL, OPT_RAW},
    {"raw-pcm", no_argument, NULL, OPT_RAW_PCM},
    {"rate", required_argument, NULL, OPT_RATE},
    {"channels", required_argument, NULL, OPT_CHANNELS},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}
};

static int parse_name(const char *opt, const char *value, int (*lookup)(const char *),
                      const char *choices, int *out)
{
    int v = lookup(value);
    if (v < 0) {
        cli_error(CMD, "%s: unknown value '%s' (expected %s)", opt, value, choices);
        return -1;
    }
    *out = v;
    return 0;
}

/* One option; returns 0, or -1 after printing a usage error. */
static int parse_option(spectrogram_opts *o, int c, const char *arg)
{
    auris_spectrogram_config *cfg = &o->cfg;
    int v = 0;
    switch (c) {
    case 'o': o->output = arg; return 0;
    case OPT_WIDTH: return cli_parse_int(CMD, "--width", arg, 240, 8192, &cfg->width_px);
    case OPT_HEIGHT: return cli_parse_int(CMD, "--height", arg, 160, 8192, &cfg->height_px);
    case OPT_SCALE:
        if (parse_name("--scale", arg, auris_freq_scale_from_name, "linear, log or mel", &v))
            return -1;
        cfg->scale = (auris_freq_scale)v;
        return 0;
    case OPT_CMAP:
        if (parse_name("--cmap", arg, auris_colormap_from_name, "viridis, magma, gray or jet",
                       &v))
            return -1;
        cfg->cmap = (auris_colormap)v;
        return 0;
    case OPT_TITLE: cfg->title = arg; return 0;
    case OPT_DB_RANGE: return cli_parse_float(CMD, "--db-range", arg, 1, 300, &cfg->db_range);
    case OPT_N_FFT: return cli_parse_int(CMD, "--n-fft", arg, 16, 65536, &cfg->n_fft);
    case OPT_HOP: return cli_parse_int(CMD, "--hop", arg, 1, 65536, &cfg->hop_length);
    case OPT_N_MELS: return cli_parse_int(CMD, "--n-mels", arg, 1, 1024, &cfg->n_mels);
    case OPT_F_MIN: return cli_parse_float(CMD, "--f-min", arg, 0, 384000, &cfg->f_min_hz);
    case OPT_F_MAX: return cli_parse_float(CMD, "--f-max", arg, 1, 384000, &cfg->f_max_hz);
    case OPT_RAW: cfg->raw = 1; return 0;
    case OPT_RAW_PCM: o->src.raw = 1; return 0;
    case OPT_RATE:
        o->rate_given = 1;
        return cli_parse_int(CMD, "--rate", arg, AURIS_MIN_SAMPLE_RATE_HZ,
                             AURIS_MAX_SAMPLE_RATE_HZ, &o->src.raw_sample_rate_hz);
    case OPT_CHANNELS:
        o->channels_given = 1;
        return cli_parse_int(CMD, "--channels", arg, 1, AURIS_MAX_CHANNELS,
                             &o->src.raw_channels);
    case OPT_JSON: o->json = 1; return 0;
    default:
        cli_error(CMD, "see 'auris spectrogram --help'");
        return -1;
    }
}

/* Checks that need all options; returns 0, or -1 after printing a usage error. */
static int check_options(spectrogram_opts *o, int argc, char **argv)
{
    if (optind != argc - 1) {
        cli_error(CMD, optind >= argc ? "missing input file (see --help)"
                                      : "expected one input file, got %d", argc - optind);
        return -1;
    }
    o->input = argv[optind];
    if (!o->output || !*o->output) {
        cli_error(CMD, "%s: missing -o OUT.png", o->input);
        return -1;
    }
    if ((o->rate_given || o->channels_given) && !o->src.raw) {
        cli_error(CMD, "--rate and --channels describe --raw-pcm input; add --raw-pcm");
        return -1;
    }
    if (o->cfg.hop_length > o->cfg.n_fft) {
        cli_error(CMD, "--hop %d is larger than --n-fft %d", o->cfg.hop_length, o->cfg.n_fft);
        return -1;
    }
    if (o->cfg.raw && o->cfg.scale == AURIS_FREQ_LOG) {
        cli_error(CMD, "--raw draws one row per bin (--scale linear) or band (--scale mel), "
                       "not --scale log");
        return -1;
    }
    if (o->cfg.f_max_hz > 0.0f && o->cfg.f_min_hz >= o->cfg.f_max_hz) {
        cli_error(CMD, "--f-min %g is not below --f-max %g", (double)o->cfg.f_min_hz,
                  (double)o->cfg.f_max_hz);
        return -1;
    }
    return 0;
}

/* 0 = run, 1 = --help shown, -1 = usage error. */
static int parse_args(spectrogram_opts *o, int argc, char **argv)
{
    auris_spectrogram_config_default(&o->cfg);
    auris_source_config_default(&o->src);
    o->src.mono = 1;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:h", long_options, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 1;
        }
        if (c == '?' || c == ':') {
            const char *opt = argv[optind - 1];
            cli_error(CMD, c == ':' ? "%s needs a value (see --help)"
                                    : "unknown option '%s' (see --help)", opt);
            return -1;
        }
        if (parse_option(o, c, optarg))
            return -1;
    }
    return check_options(o, argc, argv);
}

static void print_json(const spectrogram_opts *o, const auris_spectrogram_stats *s)
{
    printf("{\"input\": ");
    auris_json_string(stdout, o->input);
    printf(", \"output\": ");
    auris_json_string(stdout, o->output);
    printf(", \"width_px\": %d, \"height_px\": %d, \"columns\": %d, \"rows\": %d, "
           "\"frames\": %lld, \"frames_per_column\": %.6g, \"duration_s\": %.6f, "
           "\"max_db\": %.2f}\n", s->width_px, s->height_px, s->columns, s->rows, s->frames,
           s->frames_per_column, s->duration_s, (double)s->max_db);
}

/* Fails before a long input is read when the PNG could not be written anyway. */
static int output_writable(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    if (access(dir, W_OK) != 0) {
        cli_error(CMD, "%s: cannot write: %s", path, strerror(errno));
        return 0;
    }
    return 1;
}

int cmd_spectrogram(int argc, char **argv)
{
    spectrogram_opts o;
    memset(&o, 0, sizeof o);
    int parsed = parse_args(&o, argc, argv);
    if (parsed)
        return parsed > 0 ? CLI_OK : CLI_USAGE;
    if (!output_writable(o.output))
        return CLI_INPUT;
    o.cfg.name = strcmp(o.input, "-") ? o.input : "stdin";
    auris_error err = {0};
    auris_source *src = NULL;
    if (auris_source_open(o.input, &o.src, &src, &err))
        return cli_fail(CMD, &err);
    auris_spectrogram_stats stats;
    auris_status st = auris_spectrogram_render_stats(src, &o.cfg, o.output, &stats, &err);
    auris_source_free(src);
    if (st)
        return cli_fail(CMD, &err);
    if (o.json)
        print_json(&o, &stats);
    return CLI_OK;
}
