/* auris val: top-1, top-5, per-class precision/recall/F1 and confusion matrices of a model
 * made by auris train on any labelled split. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auris/classifier.h"
#include "cli/cli.h"
#include "cli/commands.h"

#define CMD "val"

static void help(FILE *f)
{
    fprintf(f,
        "usage: auris val --model M (--data DIR [--split S] | --manifest CSV [--fold K])\n\n"
        "Score a model made by auris train on labelled audio; print top-1, top-5, macro-F1\n"
        "and per-class precision/recall/F1, and write metrics.json, confusion_matrix.png and\n"
        "confusion_matrix_normalized.png into PROJECT/NAME (default runs/val/expN).\n\n"
        "  -m, --model FILE     weights/best.safetensors of a run (required)\n"
        "      --data DIR       DIR/SPLIT/<class>/* when it exists, else DIR/<class>/*\n"
        "      --split S        val (default), train or test\n"
        "      --manifest CSV   columns filename,label[,fold]\n"
        "      --audio-dir DIR  where the manifest's files are\n"
        "      --fold K         only the files of fold K\n"
        "      --yamnet FILE    YAMNet model file for yamnet-head models\n"
        "      --project DIR    parent of the output folder (default runs/val)\n"
        "      --name NAME      output folder name\n"
        "  -j, --json           print metrics.json instead of the table\n"
        "  -h, --help           show this help\n");
}

enum { O_DATA = 0x2000, O_SPLIT, O_MANIFEST, O_AUDIODIR, O_FOLD, O_YAMNET, O_PROJECT, O_NAME };

typedef struct val_args {
    const char *model, *data, *split, *manifest, *audio_dir, *project, *name;
    int fold, json;
} val_args;

static void on_log(auris_log_level level, const char *message, void *user)
{
    (void)user;
    if (level >= AURIS_LOG_WARN)
        fprintf(stderr, "auris val: %s\n", message);
}

static auris_status load_data(const val_args *a, const auris_trained_classifier *c,
                              auris_dataset **out, auris_error *err)
{
    auris_dataset *d = NULL;
    auris_status st = auris_dataset_new(&d, err);
    int n = auris_trained_classifier_class_count(c);
    const char **names = malloc((size_t)n * sizeof *names);
    if (!st && !names)
        st = AURIS_ENOMEM;
    for (int i = 0; !st && i < n; i++)
        names[i] = auris_trained_classifier_class_name(c, i);
    if (!st)
        st = auris_dataset_set_classes(d, names, n, err);
    free(names);
    if (!st && a->manifest) {
        auris_dataset *all = d, *rest = NULL;
        st = auris_dataset_add_manifest(all, a->manifest, a->audio_dir, err);
        if (!st && a->fold) {
            st = auris_dataset_split_fold(all, a->fold, &rest, &d, err);
            auris_dataset_free(all);
            auris_dataset_free(rest);
        }
    } else if (!st) {
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", a->data, a->split);
        st = auris_dataset_add_dir(d, access(sub, F_OK) == 0 ? sub : a->data, err);
    }
    if (st) {
        auris_dataset_free(d);
        return st;
    }
    *out = d;
    return AURIS_OK;
}

static void print_table(const auris_metrics *m, const auris_trained_classifier *c, size_t files,
                        size_t skipped, const char *dir)
{
    printf("%zu files (%zu skipped): top1 %.4f  top5 %.4f  macro-F1 %.4f\n", files, skipped,
           auris_metrics_top1(m), auris_metrics_top5(m), auris_metrics_macro_f1(m));
    printf("%-24s %9s %9s %9s %8s\n", "class", "precision", "recall", "f1", "support");
    for (int i = 0; i < auris_trained_classifier_class_count(c); i++) {
        double p, r, f;
        int64_t s;
        auris_metrics_class(m, i, &p, &r, &f, &s);
        printf("%-24s %9.4f %9.4f %9.4f %8lld\n", auris_trained_classifier_class_name(c, i), p,
               r, f, (long long)s);
    }
    printf("results in %s\n", dir);
}

static int evaluate(const val_args *a, auris_trained_classifier *c, auris_error *err)
{
    auris_dataset *d = NULL;
    auris_metrics *m = NULL;
    auris_status st = load_data(a, c, &d, err);
    int n = auris_trained_classifier_class_count(c);
    if (!st)
        st = auris_metrics_new(n, &m, err);
    size_t skipped = 0;
    if (!st)
        st = auris_trained_classifier_evaluate(c, d, m, &skipped, err);
    char dir[4096], path[4200];
    if (!st)
        st = auris_run_dir_new(a->project, a->name, dir, sizeof dir, err);
    const char **labels = malloc((size_t)n * sizeof *labels);
    for (int i = 0; labels && i < n; i++)
        labels[i] = auris_trained_classifier_class_name(c, i);
    if (!st && !labels)
        st = AURIS_ENOMEM;
    if (!st) {
        snprintf(path, sizeof path, "%s/metrics.json", dir);
        st = auris_metrics_write_json(m, labels, path, err);
    }
    if (!st) {
        snprintf(path, sizeof path, "%s/confusion_matrix.png", dir);
        st = auris_plot_confusion(m, labels, 0, path, err);
    }
    if (!st) {
        snprintf(path, sizeof path, "%s/confusion_matrix_normalized.png", dir);
        st = auris_plot_confusion(m, labels, 1, path, err);
    }
    if (!st && a->json) {
        snprintf(path, sizeof path, "%s/metrics.json", dir);
        FILE *f = fopen(path, "r");
        int ch;
        while (f && (ch = fgetc(f)) != EOF)
            putchar(ch);
        if (f)
            fclose(f);
    } else if (!st) {
        print_table(m, c, auris_dataset_count(d), skipped, dir);
    }
    free(labels);
    auris_metrics_free(m);
    auris_dataset_free(d);
    return st ? cli_fail(CMD, err) : CLI_OK;
}

int cmd_val(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, 'm'}, {"data", required_argument, NULL, O_DATA},
        {"split", required_argument, NULL, O_SPLIT},
        {"manifest", required_argument, NULL, O_MANIFEST},
        {"audio-dir", required_argument, NULL, O_AUDIODIR},
        {"fold", required_argument, NULL, O_FOLD}, {"yamnet", required_argument, NULL, O_YAMNET},
        {"project", required_argument, NULL, O_PROJECT}, {"name", required_argument, NULL, O_NAME},
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    val_args a = {.split = "val", .project = "runs/val"};
    auris_trained_classifier_config cc;
    auris_trained_classifier_config_default(&cc);
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "m:jh", opts, NULL)) != -1) {
        switch (opt) {
        case 'm': a.model = optarg; break;
        case O_DATA: a.data = optarg; break;
        case O_SPLIT: a.split = optarg; break;
        case O_MANIFEST: a.manifest = optarg; break;
        case O_AUDIODIR: a.audio_dir = optarg; break;
        case O_FOLD:
            if (cli_parse_int(CMD, "--fold", optarg, 1, 1000000, &a.fold))
                return CLI_USAGE;
            break;
        case O_YAMNET: cc.yamnet_path = optarg; break;
        case O_PROJECT: a.project = optarg; break;
        case O_NAME: a.name = optarg; break;
        case 'j': a.json = 1; break;
        case 'h': help(stdout); return CLI_OK;
        default: help(stderr); return CLI_USAGE;
        }
    }
    if (!a.model || !a.data == !a.manifest || optind < argc) {
        cli_error(CMD, "give --model M and one of --data DIR or --manifest CSV");
        return CLI_USAGE;
    }
    auris_log_set(on_log, NULL);
    auris_error err = {0};
    auris_trained_classifier *c = NULL;
    if (auris_trained_classifier_load(a.model, &cc, &c, &err))
        return cli_fail(CMD, &err);
    int rc = evaluate(&a, c, &err);
    auris_trained_classifier_free(c);
    return rc;
}
