/* auris features: STFT / mel / log-mel / MFCC of a recording into a .npy (frames x bins),
 * streamed: memory does not grow with the input's length. */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"

#define READ_FRAMES 8192
#define WRITE_ROWS 256

typedef struct features_args {
    auris_features_config fc;
    auris_source_config sc;
    int resample_hz;
    const char *input;
    const char *output;
    int type;
} features_args;

static void help(FILE *f)
{
    fprintf(f,
        "usage: auris features FILE --type stft|mel|logmel|mfcc -o OUT.npy [OPTIONS]\n\n"
        "Write a float32 NumPy array of shape (frames, bins): one row per STFT frame.\n"
        "Definitions and defaults follow torchaudio (MelSpectrogram, AmplitudeToDB, MFCC).\n\n"
        "  -t, --type T          stft | mel | logmel | mfcc (default logmel)\n"
        "  -o, --output FILE     the .npy to write (required)\n"
        "      --resample HZ     analyse at this rate (default: the file's own)\n"
        "      --n-fft N         FFT size (default 400)\n"
        "      --hop N           hop length in samples (default win_length/2, as torchaudio)\n"
        "      --win-length N    window length (default n_fft)\n"
        "      --window W        hann | hamming | povey | rect (default hann)\n"
        "      --no-center       frames start at 0 instead of being centred on t*hop\n"
        "      --pad MODE        reflect | constant centre padding (default reflect)\n"
        "      --power P         1 magnitude, 2 power (default 2)\n"
        "      --n-mels N        mel bands (default 128)\n"
        "      --f-min HZ        lowest mel frequency (default 0)\n"
        "      --f-max HZ        highest mel frequency (default rate/2)\n"
        "      --mel-scale S     htk | slaney (default htk)\n"
        "      --mel-norm N      none | slaney (default none)\n"
        "      --top-db DB       floor dB values at max - DB over the whole file (0 = off;\n"
        "                        default 80 for mfcc, off otherwise; needs a file, not stdin)\n"
        "      --amin A          floor before the log (default 1e-10)\n"
        "      --n-mfcc N        MFCC coefficients (default 40)\n"
        "      --lifter L        sinusoidal liftering of MFCCs (default 0 = off)\n"
        "      --log-mels        MFCC of natural-log mels instead of dB\n"
        "  -h, --help            show this help\n"
        CLI_AUDIO_HELP);
}

enum {
    OPT_RESAMPLE = 0x2000, OPT_NFFT, OPT_HOP, OPT_WIN, OPT_WINDOW, OPT_NOCENTER, OPT_PAD,
    OPT_POWER, OPT_NMELS, OPT_FMIN, OPT_FMAX, OPT_MELSCALE, OPT_MELNORM, OPT_TOPDB, OPT_AMIN,
    OPT_NMFCC, OPT_LIFTER, OPT_LOGMELS
};

/* Options given before --type is known are kept and applied on top of the type's defaults. */
typedef struct pending_opt {
    int opt;
    const char *arg;
} pending_opt;

static int apply_option(features_args *a, int opt, const char *arg)
{
    auris_features_config *fc = &a->fc;
    float v;
    switch (opt) {
    case OPT_RESAMPLE:
        return cli_parse_int("features", "--resample", arg, AURIS_MIN_SAMPLE_RATE_HZ,
                             AURIS_MAX_SAMPLE_RATE_HZ, &a->resample_hz);
    case OPT_NFFT:
        return cli_parse_int("features", "--n-fft", arg, 2, 1 << 20, &fc->stft.n_fft);
    case OPT_HOP:
        return cli_parse_int("features", "--hop", arg, 1, 1 << 20, &fc->stft.hop_length);
    case OPT_WIN:
        return cli_parse_int("features", "--win-length", arg, 1, 1 << 20, &fc->stft.win_length);
    case OPT_WINDOW: {
        int w = auris_window_from_name(arg);
        if (w < 0) {
            cli_error("features", "--window: unknown window '%s' (hann, hamming, povey, rect)", arg);
            return -1;
        }
        fc->stft.window = (auris_window_type)w;
        return 0;
    }
    case OPT_NOCENTER:
        fc->stft.center = 0;
        return 0;
    case OPT_PAD:
        if (!strcmp(arg, "reflect"))
            fc->stft.pad_mode = AURIS_PAD_REFLECT;
        else if (!strcmp(arg, "constant"))
            fc->stft.pad_mode = AURIS_PAD_CONSTANT;
        else {
            cli_error("features", "--pad: expected reflect or constant, got '%s'", arg);
            return -1;
        }
        return 0;
    case OPT_POWER:
        if (cli_parse_float("features", "--power", arg, 1, 2, &v) < 0)
            return -1;
        if (v != 1 && v != 2) {
            cli_error("features", "--power: expected 1 or 2, got '%s'", arg);
            return -1;
        }
        fc->stft.power = v;
        fc->db.multiplier = v == 1 ? 20.0f : 10.0f;
        return 0;
    case OPT_NMELS:
        return cli_parse_int("features", "--n-mels", arg, 1, 4096, &fc->mel.n_mels);
    case OPT_FMIN:
        return cli_parse_float("features", "--f-min", arg, 0, AURIS_MAX_SAMPLE_RATE_HZ, &fc->mel.f_min_hz);
    case OPT_FMAX:
        return cli_parse_float("features", "--f-max", arg, 0, AURIS_MAX_SAMPLE_RATE_HZ, &fc->mel.f_max_hz);
    case OPT_MELSCALE:
        if (!strcmp(arg, "htk"))
            fc->mel.scale = AURIS_MEL_HTK;
        else if (!strcmp(arg, "slaney"))
            fc->mel.scale = AURIS_MEL_SLANEY;
        else {
            cli_error("features", "--mel-scale: expected htk or slaney, got '%s'", arg);
            return -1;
        }
        return 0;
    case OPT_MELNORM:
        if (!strcmp(arg, "none"))
            fc->mel.norm = AURIS_MEL_NORM_NONE;
        else if (!strcmp(arg, "slaney"))
            fc->mel.norm = AURIS_MEL_NORM_SLANEY;
        else {
            cli_error("features", "--mel-norm: expected none or slaney, got '%s'", arg);
            return -1;
        }
        return 0;
    case OPT_TOPDB:
        return cli_parse_float("features", "--top-db", arg, 0, 1000, &fc->db.top_db);
    case OPT_AMIN:
        return cli_parse_float("features", "--amin", arg, 1e-30, 1, &fc->db.amin);
    case OPT_NMFCC:
        return cli_parse_int("features", "--n-mfcc", arg, 1, 4096, &fc->n_mfcc);
    case OPT_LIFTER:
        return cli_parse_float("features", "--lifter", arg, 0, 10000, &fc->lifter);
    case OPT_LOGMELS:
        fc->log_mels = 1;
        return 0;
    }
    return -1;
}

/* Streams the whole input through the pipeline. With out_path, frames go to a .npy there;
 * *max_out gets the largest value seen. floor_top_db > 0 floors dB at floor_max - top_db. */
static int run_pass(features_args *a, const char *out_path, float floor_max, float floor_top_db,
                    float *max_out)
{
    auris_error err = {0};
    auris_source *src = NULL;
    auris_features *feat = NULL;
    auris_npy_writer *w = NULL;
    float *buf = NULL, *rows = NULL;
    size_t n_rows = 0;
    int rc = CLI_INPUT;
    if (auris_source_open(a->input, &a->sc, &src, &err) != AURIS_OK)
        return cli_fail("features", &err);
    a->fc.sample_rate_hz = auris_source_sample_rate(src);
    if (auris_features_new(&a->fc, &feat, &err) != AURIS_OK) {
        auris_source_free(src);
        cli_fail("features", &err);
        return CLI_USAGE;
    }
    if (floor_top_db > 0)
        auris_features_set_db_floor(feat, floor_max, floor_top_db);
    int dim = auris_features_dim(feat);
    buf = malloc(sizeof(float) * READ_FRAMES);
    rows = malloc(sizeof(float) * (size_t)dim * WRITE_ROWS);
    float mx = -INFINITY;
    if (!buf || !rows) {
        cli_error("features", "%s: out of memory", a->input);
        goto out;
    }
    if (out_path && auris_npy_writer_open(out_path, (size_t)dim, &w, &err) != AURIS_OK) {
        rc = cli_fail("features", &err);
        goto out;
    }
    for (;;) {
        size_t got = 0;
        if (auris_source_read(src, buf, READ_FRAMES, &got) != AURIS_OK) {
            cli_error("features", "%s", auris_source_error(src));
            goto out;
        }
        if (got == 0)
            auris_features_end(feat);
        else
            auris_features_write(feat, buf, got);
        while (auris_features_read(feat, rows + n_rows * (size_t)dim)) {
            const float *frame = rows + n_rows * (size_t)dim;
            for (int i = 0; i < dim; i++)
                if (frame[i] > mx)
                    mx = frame[i];
            if (++n_rows == WRITE_ROWS) {
                if (w && auris_npy_writer_write(w, rows, n_rows) != AURIS_OK) {
                    cli_error("features", "%s: write failed", out_path);
                    goto out;
                }
                n_rows = 0;
            }
        }
        if (got == 0)
            break;
    }
    if (w && n_rows && auris_npy_writer_write(w, rows, n_rows) != AURIS_OK) {
        cli_error("features", "%s: write failed", out_path);
        goto out;
    }
    *max_out = mx;
    rc = CLI_OK;
out:
    if (w && auris_npy_writer_close(w, &err) != AURIS_OK && rc == CLI_OK)
        rc = cli_fail("features", &err);
    if (w && rc != CLI_OK)
        remove(out_path);
    free(buf);
    free(rows);
    auris_features_free(feat);
    auris_source_free(src);
    return rc;
}

static int write_features(features_args *a)
{
    float top_db = a->fc.db.top_db, mx = 0;
    int needs_floor = top_db > 0 && (a->fc.type == AURIS_FEATURE_LOGMEL ||
                                     (a->fc.type == AURIS_FEATURE_MFCC && !a->fc.log_mels));
    if (!needs_floor)
        return run_pass(a, a->output, 0, 0, &mx);
    if (!strcmp(a->input, "-")) {
        cli_error("features", "-: --top-db needs the whole signal's maximum, so a file, not stdin "
                              "(give --top-db 0 to stream)");
        return CLI_USAGE;
    }
    /* Two passes keep memory constant: the first finds the maximum mel dB. */
    auris_features_config wanted = a->fc;
    a->fc.type = AURIS_FEATURE_LOGMEL;
    int rc = run_pass(a, NULL, 0, 0, &mx);
    a->fc = wanted;
    return rc == CLI_OK ? run_pass(a, a->output, mx, top_db, &mx) : rc;
}

int cmd_features(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"type", required_argument, NULL, 't'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {"resample", required_argument, NULL, OPT_RESAMPLE},
        {"n-fft", required_argument, NULL, OPT_NFFT},
        {"hop", required_argument, NULL, OPT_HOP},
        {"win-length", required_argument, NULL, OPT_WIN},
        {"window", required_argument, NULL, OPT_WINDOW},
        {"no-center", no_argument, NULL, OPT_NOCENTER},
        {"pad", required_argument, NULL, OPT_PAD},
        {"power", required_argument, NULL, OPT_POWER},
        {"n-mels", required_argument, NULL, OPT_NMELS},
        {"f-min", required_argument, NULL, OPT_FMIN},
        {"f-max", required_argument, NULL, OPT_FMAX},
        {"mel-scale", required_argument, NULL, OPT_MELSCALE},
        {"mel-norm", required_argument, NULL, OPT_MELNORM},
        {"top-db", required_argument, NULL, OPT_TOPDB},
        {"amin", required_argument, NULL, OPT_AMIN},
        {"n-mfcc", required_argument, NULL, OPT_NMFCC},
        {"lifter", required_argument, NULL, OPT_LIFTER},
        {"log-mels", no_argument, NULL, OPT_LOGMELS},
        CLI_AUDIO_LONG_OPTIONS,
        {NULL, 0, NULL, 0}};
    features_args a;
    memset(&a, 0, sizeof a);
    auris_source_config_default(&a.sc);
    a.type = AURIS_FEATURE_LOGMEL;
    pending_opt pending[64];
    int n_pending = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:o:h", longopts, NULL)) != -1) {
        int r = cli_audio_option("features", c, optarg, &a.sc);
        if (r < 0)
            return CLI_USAGE;
        if (r > 0)
            continue;
        switch (c) {
        case 't':
            a.type = auris_feature_type_from_name(optarg);
            if (a.type < 0) {
                cli_error("features", "--type: expected stft, mel, logmel or mfcc, got '%s'", optarg);
                return CLI_USAGE;
            }
            break;
        case 'o': a.output = optarg; break;
        case 'h': help(stdout); return CLI_OK;
        case '?': help(stderr); return CLI_USAGE;
        default:
            if (n_pending == (int)(sizeof pending / sizeof pending[0])) {
                cli_error("features", "too many options");
                return CLI_USAGE;
            }
            pending[n_pending++] = (pending_opt){c, optarg};
        }
    }
    if (optind != argc - 1) {
        cli_error("features", optind >= argc ? "no input file (see auris features --help)"
                                             : "one input file expected");
        return CLI_USAGE;
    }
    if (!a.output) {
        cli_error("features", "-o/--output OUT.npy is required");
        return CLI_USAGE;
    }
    a.input = argv[optind];
    auris_features_config_default(&a.fc, (auris_feature_type)a.type, 16000);
    for (int i = 0; i < n_pending; i++)
        if (apply_option(&a, pending[i].opt, pending[i].arg) != 0)
            return CLI_USAGE;
    a.sc.sample_rate_hz = a.resample_hz;
    return write_features(&a);
}
