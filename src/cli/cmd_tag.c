/* auris tag: AudioSet tags (YAMNet) per 0.975 s patch every 0.48 s and for the whole clip,
 * streamed: output goes out patch by patch and memory does not grow with the input. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "auris/classify.h"
#include "auris/models.h"
#include "auris/tag.h"
#include "cli/cli.h"
#include "cli/cli_yamnet.h"
#include "cli/commands.h"

#define MAX_TOP 521

enum { OPT_MODEL = 0x2000, OPT_CLIP, OPT_BATCH };

typedef struct tag_state {
    const auris_yamnet *model;
    int n_classes, top, json, clip_only;
    auris_score_pool *pool;
    double duration_s;
    int64_t patches;
    int idx[MAX_TOP];
} tag_state;

static void help(FILE *f)
{
    fprintf(f,
        "usage: auris tag [OPTIONS] FILE|-\n\n"
        "AudioSet tags with YAMNet (521 classes): for every 0.975 s patch, one every 0.48 s,\n"
        "and for the whole clip (each class's mean and maximum over the patches). Any length\n"
        "of input is streamed in constant memory. Audio is resampled to 16 kHz mono.\n\n"
        "Output (one line per patch, then the clip):\n"
        "  0.00-0.98  Speech 0.92  Narration, monologue 0.10  ...\n"
        "  -k, --top K          classes per line (default 5, at most 521)\n"
        "      --clip           only the clip-level tags\n"
        "  -j, --json           {\"file\",\"patches\":[{\"start\",\"end\",\"rms_dbfs\",\n"
        "                        \"top\":[{\"label\",\"score\"}]}],\"duration\",\n"
        "                        \"clip\":{\"mean\":[{\"label\",\"score\"}],\"max\":[...]}}\n"
        "Model:\n"
        "      --model PATH     a YAMNet model file (.safetensors, made by auris models\n"
        "                       import); default: $AURIS_YAMNET, else model 'yamnet' of\n"
        "                       the models directory\n"
        "                       (install it with `auris models pull yamnet` or\n"
        "                       `auris models import FILE.tflite`)\n"
        "      --batch N        patches run through the network together (default 32)\n"
        "  -h, --help           show this help\n"
        CLI_AUDIO_HELP
        "\nExit status: 0 success, 1 usage error, 2 unreadable audio or missing/malformed\n"
        "model.\n");
}

static void print_top_text(const tag_state *s, const float *scores, int n)
{
    for (int i = 0; i < n; i++)
        printf("%s%s %.2f", i ? "  " : "", auris_yamnet_class_name(s->model, s->idx[i]),
               scores[s->idx[i]]);
    putchar('\n');
}

static void print_top_json(const tag_state *s, const float *scores, int n)
{
    putchar('[');
    for (int i = 0; i < n; i++) {
        fputs(i ? ",{\"label\":" : "{\"label\":", stdout);
        auris_json_string(stdout, auris_yamnet_class_name(s->model, s->idx[i]));
        printf(",\"score\":%.4f}", scores[s->idx[i]]);
    }
    putchar(']');
}

static int on_patch(const auris_tag_patch *p, void *user)
{
    tag_state *s = user;
    auris_score_pool_add(s->pool, p->scores);
    s->duration_s = p->end_s;
    if (!s->clip_only) {
        int n = auris_top_k(p->scores, s->n_classes, s->top, s->idx);
        if (s->json) {
            printf("%s{\"start\":%.2f,\"end\":%.2f,\"rms_dbfs\":%.1f,\"top\":",
                   s->patches ? "," : "", p->start_s, p->end_s, p->rms_dbfs);
            print_top_json(s, p->scores, n);
            putchar('}');
        } else {
            printf("%.2f-%.2f  ", p->start_s, p->end_s);
            print_top_text(s, p->scores, n);
        }
    }
    s->patches++;
    return 0;
}

static void print_clip(tag_state *s)
{
    const float *mean = auris_score_pool_mean(s->pool), *max = auris_score_pool_max(s->pool);
    if (s->json) {
        printf("],\"duration\":%.2f,\"clip\":{\"mean\":", s->duration_s);
        print_top_json(s, mean, auris_top_k(mean, s->n_classes, s->top, s->idx));
        fputs(",\"max\":", stdout);
        print_top_json(s, max, auris_top_k(max, s->n_classes, s->top, s->idx));
        fputs("}}\n", stdout);
        return;
    }
    printf("%sclip %.2f s, %lld patches\n", s->clip_only ? "" : "\n", s->duration_s,
           (long long)s->patches);
    fputs("mean  ", stdout);
    print_top_text(s, mean, auris_top_k(mean, s->n_classes, s->top, s->idx));
    fputs("max   ", stdout);
    print_top_text(s, max, auris_top_k(max, s->n_classes, s->top, s->idx));
}

static int parse_options(int argc, char **argv, tag_state *s, const char **model_path,
                         auris_tagger_config *tcfg, auris_source_config *scfg)
{
    static const struct option longopts[] = {
        {"top", required_argument, NULL, 'k'},
        {"json", no_argument, NULL, 'j'},
        {"clip", no_argument, NULL, OPT_CLIP},
        {"model", required_argument, NULL, OPT_MODEL},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"help", no_argument, NULL, 'h'},
        CLI_AUDIO_LONG_OPTIONS,
        {NULL, 0, NULL, 0}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "k:jh", longopts, NULL)) != -1) {
        int audio = cli_audio_option("tag", opt, optarg, scfg);
        if (audio < 0)
            return CLI_USAGE;
        if (audio)
            continue;
        switch (opt) {
        case 'k':
            if (cli_parse_int("tag", "--top", optarg, 1, MAX_TOP, &s->top))
                return CLI_USAGE;
            break;
        case 'j': s->json = 1; break;
        case OPT_CLIP: s->clip_only = 1; break;
        case OPT_MODEL: *model_path = optarg; break;
        case OPT_BATCH:
            if (cli_parse_int("tag", "--batch", optarg, 1, 1024, &tcfg->max_batch))
                return CLI_USAGE;
            break;
        case 'h': help(stdout); return -1;
        default: help(stderr); return CLI_USAGE;
        }
    }
    if (optind != argc - 1) {
        cli_error("tag", "expected one input FILE (or - for stdin); see --help");
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cli_load_yamnet(const char *cmd, const char *path, auris_yamnet **out)
{
    char buf[4096];
    auris_error err = {0};
    if (!path) {
        if (auris_models_yamnet_path(buf, sizeof buf, &err)) {
            cli_error(cmd, "%s (or give --model PATH)", err.message);
            return CLI_INPUT;
        }
        path = buf;
    }
    if (auris_yamnet_load(path, out, &err))
        return cli_fail(cmd, &err);
    return CLI_OK;
}

int cmd_tag(int argc, char **argv)
{
    tag_state s = {.top = 5};
    const char *model_path = NULL;
    auris_tagger_config tcfg;
    auris_tagger_config_default(&tcfg);
    auris_source_config scfg;
    auris_source_config_default(&scfg);
    int rc = parse_options(argc, argv, &s, &model_path, &tcfg, &scfg);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    scfg.sample_rate_hz = AURIS_YAMNET_RATE_HZ;
    scfg.mono = 1;
    const char *file = argv[argc - 1];
    auris_yamnet *model = NULL;
    auris_source *src = NULL;
    auris_error err = {0};
    if ((rc = cli_load_yamnet("tag", model_path, &model)))
        return rc;
    s.model = model;
    s.n_classes = auris_yamnet_class_count(model);
    if (auris_score_pool_new(s.n_classes, &s.pool, &err) ||
        auris_source_open(file, &scfg, &src, &err)) {
        rc = cli_fail("tag", &err);
        goto done;
    }
    if (s.json) {
        fputs("{\"file\":", stdout);
        auris_json_string(stdout, file);
        fputs(",\"patches\":[", stdout);
    }
    if (auris_tag_source(model, &tcfg, src, on_patch, &s, &err)) {
        if (s.json)
            putchar('\n');
        fflush(stdout);
        rc = cli_fail("tag", &err);
        goto done;
    }
    print_clip(&s);
done:
    auris_source_free(src);
    auris_score_pool_free(s.pool);
    auris_yamnet_free(model);
    return rc;
}
