/* auris predict: the top classes of recordings with a model made by auris train. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "auris/classifier.h"
#include "cli/cli.h"
#include "cli/commands.h"

#define CMD "predict"

typedef struct predict_args {
    const char *model;
    int top, json;
    auris_source_config sc;
    auris_trained_classifier *c;
    float *scores;
    int *order;
    int failed;
} predict_args;

static void help(FILE *f)
{
    fprintf(f,
        "usage: auris predict --model M FILE|DIR|- ... [--top K] [--json]\n\n"
        "Print the K most likely classes of each recording with a model made by auris train:\n"
        "  dog_bark.wav: dog 0.97, rooster 0.01, cat 0.01 (4.1 ms)\n"
        "Folders are walked; - reads stdin. Recordings longer than the model's clip duration\n"
        "are scored in windows and the probabilities averaged.\n\n"
        "  -m, --model FILE     weights/best.safetensors of a run (required)\n"
        "  -k, --top K          classes to print (default 3)\n"
        "  -j, --json           one JSON object per line:\n"
        "                       {\"file\",\"top\":[{\"label\",\"score\"}],\"time_ms\"}\n"
        "      --yamnet FILE    YAMNet model file for yamnet-head models\n"
        "  -h, --help           show this help\n"
        CLI_AUDIO_HELP);
}

static int by_score(const void *x, const void *y, void *scores)
{
    const float *s = scores;
    float a = s[*(const int *)x], b = s[*(const int *)y];
    return a < b ? 1 : a > b ? -1 : *(const int *)x - *(const int *)y;
}

static void print_result(predict_args *a, const char *name, double ms)
{
    int n = auris_trained_classifier_class_count(a->c);
    for (int i = 0; i < n; i++)
        a->order[i] = i;
    qsort_r(a->order, (size_t)n, sizeof *a->order, by_score, a->scores);
    int k = a->top < n ? a->top : n;
    if (a->json) {
        fputs("{\"file\": ", stdout);
        auris_json_string(stdout, name);
        fputs(", \"top\": [", stdout);
        for (int i = 0; i < k; i++) {
            fputs(i ? ", {\"label\": " : "{\"label\": ", stdout);
            auris_json_string(stdout, auris_trained_classifier_class_name(a->c, a->order[i]));
            printf(", \"score\": %.6f}", (double)a->scores[a->order[i]]);
        }
        printf("], \"time_ms\": %.3f}\n", ms);
    } else {
        printf("%s:", name);
        for (int i = 0; i < k; i++)
            printf("%s %s %.2f", i ? "," : "",
                   auris_trained_classifier_class_name(a->c, a->order[i]),
                   (double)a->scores[a->order[i]]);
        printf(" (%.1f ms)\n", ms);
    }
    fflush(stdout);
}

static void predict_one(predict_args *a, const char *path)
{
    double t0 = cli_seconds(CLOCK_MONOTONIC);
    auris_error err = {0};
    auris_status st;
    if (!strcmp(path, "-")) {
        auris_source *src = NULL;
        auris_source_config sc = a->sc;
        sc.sample_rate_hz = auris_trained_classifier_sample_rate(a->c);
        sc.mono = 1;
        st = auris_source_open("-", &sc, &src, &err);
        if (!st)
            st = auris_trained_classifier_predict_source(a->c, src, a->scores, &err);
        auris_source_free(src);
    } else {
        st = auris_trained_classifier_predict_file(a->c, path, a->scores, &err);
    }
    if (st) {
        cli_fail(CMD, &err);
        a->failed = 1;
        return;
    }
    print_result(a, path, 1e3 * (cli_seconds(CLOCK_MONOTONIC) - t0));
}

static auris_status predict_walked(const char *path, void *user, auris_error *err)
{
    (void)err;
    predict_one(user, path);
    return AURIS_OK;
}

/* Files in sorted order, folders depth first. */
static void predict_dir(predict_args *a, const char *dir)
{
    auris_error err = {0};
    if (auris_walk_files(dir, predict_walked, a, &err)) {
        cli_fail(CMD, &err);
        a->failed = 1;
    }
}

int cmd_predict(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, 'm'}, {"top", required_argument, NULL, 'k'},
        {"json", no_argument, NULL, 'j'}, {"yamnet", required_argument, NULL, 'y'},
        {"help", no_argument, NULL, 'h'}, CLI_AUDIO_LONG_OPTIONS, {NULL, 0, NULL, 0}};
    predict_args a = {.top = 3};
    auris_source_config_default(&a.sc);
    auris_trained_classifier_config cc;
    auris_trained_classifier_config_default(&cc);
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "m:k:jh", opts, NULL)) != -1) {
        int r = cli_audio_option(CMD, opt, optarg, &a.sc);
        if (r < 0)
            return CLI_USAGE;
        if (r)
            continue;
        switch (opt) {
        case 'm': a.model = optarg; break;
        case 'k':
            if (cli_parse_int(CMD, "--top", optarg, 1, 100000, &a.top))
                return CLI_USAGE;
            break;
        case 'j': a.json = 1; break;
        case 'y': cc.yamnet_path = optarg; break;
        case 'h': help(stdout); return CLI_OK;
        default: help(stderr); return CLI_USAGE;
        }
    }
    if (!a.model || optind >= argc) {
        cli_error(CMD, "give --model M and at least one FILE, DIR or -");
        return CLI_USAGE;
    }
    auris_error err = {0};
    if (auris_trained_classifier_load(a.model, &cc, &a.c, &err))
        return cli_fail(CMD, &err);
    int n = auris_trained_classifier_class_count(a.c);
    a.scores = malloc((size_t)n * sizeof *a.scores);
    a.order = malloc((size_t)n * sizeof *a.order);
    if (!a.scores || !a.order) {
        cli_error(CMD, "out of memory");
        a.failed = 1;
    }
    for (int i = optind; i < argc && a.scores && a.order; i++) {
        struct stat sb;
        if (strcmp(argv[i], "-") && stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode))
            predict_dir(&a, argv[i]);
        else
            predict_one(&a, argv[i]);
    }
    free(a.scores);
    free(a.order);
    auris_trained_classifier_free(a.c);
    return a.failed ? CLI_INPUT : CLI_OK;
}
