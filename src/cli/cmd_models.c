/* auris models: install models into the models directory (pull from the official URL with
 * a pinned SHA-256, or import a local TFLite file) and list what is installed. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auris/models.h"
#include "auris/tag.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "core/error.h"
#include "core/file.h"

/* Google's YAMNet TFLite (float input, int8 weights) and its class map. The hashes pin the
 * exact files auris was checked against: a different file is refused, not imported. */
#define YAMNET_URL \
    "https://storage.googleapis.com/tfhub-lite-models/google/lite-model/yamnet/tflite/1.tflite"
#define YAMNET_SHA256 "469be6a3421cbc52cf97e9f2f966cba984198e8e7af9854d68b3e3ebb1e04194"
#define YAMNET_CLASS_MAP_URL \
    "https://raw.githubusercontent.com/tensorflow/models/master/research/audioset/yamnet/yamnet_class_map.csv"
#define YAMNET_CLASS_MAP_SHA256 "cdf24d193e196d9e95912a2667051ae203e92a2ba09449218ccb40ef787c6df2"

#define PATH_MAX_LEN 4096

static void help(FILE *f)
{
    fprintf(f,
            "usage: auris models list [--json]\n"
            "       auris models pull yamnet [--url URL] [--class-map-url URL]\n"
            "       auris models import FILE.tflite [--class-map CSV] [--name NAME]\n"
            "       auris models path NAME\n\n"
            "Manage the models other commands (auris tag, ...) load by name.\n\n"
            "  list             installed models: name, kind, classes, size, path\n"
            "  pull yamnet      download Google's YAMNet TFLite and class map, check their\n"
            "                   SHA-256 against the values built into auris, and import them\n"
            "  import FILE      convert a YAMNet TFLite file into the models directory\n"
            "  path NAME        print the file of installed model NAME\n\n"
            "Options:\n"
            "  -j, --json               list: one JSON object {\"dir\",\"models\":[{\"name\",\n"
            "                           \"kind\",\"classes\",\"tensors\",\"size_bytes\",\"path\"}]}\n"
            "      --url URL            pull: fetch the TFLite from URL (http, https, file://)\n"
            "                           instead of the official one; its SHA-256 is still checked\n"
            "      --class-map-url URL  pull: fetch the class map from URL\n"
            "      --class-map CSV      import: index,mid,display_name CSV (default: the\n"
            "                           yamnet_class_map.csv beside FILE)\n"
            "      --name NAME          import: install as NAME (default yamnet)\n"
            "  -h, --help               show this help\n\n"
            "Models directory: $AURIS_MODELS, else $XDG_DATA_HOME/auris/models, else\n"
            "~/.local/share/auris/models; model NAME is NAME.safetensors there.\n"
            "Official URLs:\n  " YAMNET_URL "\n  " YAMNET_CLASS_MAP_URL "\n"
            "Exit status: 0 success, 1 usage error, 2 download, hash, file or model error.\n");
}

/* The models directory, created when missing. */
static auris_status models_dir_created(char *dir, size_t n, auris_error *err)
{
    auris_status st = auris_models_dir(dir, n, err);
    return st ? st : auris_mkdir_p(dir, 0755, err);
}

static int join(char *out, size_t n, const char *dir, const char *file)
{
    return snprintf(out, n, "%s/%s", dir, file) < (int)n;
}

/* Imports into a hidden temporary file and renames it, so a failed import leaves any
 * installed model of that name untouched and never a half-written one. */
static auris_status install(const char *tflite, const char *class_map, const char *dir,
                            const char *name, char *dest, size_t n, auris_error *err)
{
    char tmp[PATH_MAX_LEN + 32];
    if (snprintf(dest, n, "%s/%s" AURIS_MODELS_EXT, dir, name) >= (int)n ||
        snprintf(tmp, sizeof tmp, "%s/.%s.import-%ld", dir, name, (long)getpid()) >= (int)sizeof tmp)
        return auris_fail(err, AURIS_ERANGE, "%s: path too long", dir);
    auris_status st = auris_yamnet_import(tflite, class_map, tmp, err);
    if (!st && rename(tmp, dest) != 0)
        st = auris_fail(err, AURIS_EIO, "%s: cannot rename into place: %s", dest, strerror(errno));
    if (st)
        unlink(tmp);
    return st;
}

static int report_installed(const char *dir, const char *name)
{
    auris_model_info *list = NULL;
    size_t count = 0;
    auris_error err = {0};
    if (auris_models_list(dir, &list, &count, &err) != AURIS_OK)
        return cli_fail("models", &err);
    for (size_t i = 0; i < count; i++) {
        if (strcmp(list[i].name, name))
            continue;
        char classes[32] = "";
        if (list[i].class_count >= 0)
            snprintf(classes, sizeof classes, "%d classes, ", list[i].class_count);
        printf("installed %s (%s%.1f MB): %s\n", name, classes, (double)list[i].size_bytes / 1e6,
               list[i].path);
    }
    auris_models_list_free(list);
    return CLI_OK;
}

static int do_import(const char *tflite, const char *class_map, const char *name)
{
    if (!auris_models_name_valid(name)) {
        cli_error("models", "--name '%s': use letters, digits, '-', '_', '.'", name);
        return CLI_USAGE;
    }
    auris_error err = {0};
    char dir[PATH_MAX_LEN], dest[PATH_MAX_LEN + 64];
    if (models_dir_created(dir, sizeof dir, &err) ||
        install(tflite, class_map, dir, name, dest, sizeof dest, &err))
        return cli_fail("models", &err);
    return report_installed(dir, name);
}

static int on_progress(int64_t done, int64_t total, void *user)
{
    const char *what = user;
    if (total > 0)
        fprintf(stderr, "\r%s: %3d%% of %.1f MB", what, (int)(100 * done / total), (double)total / 1e6);
    else
        fprintf(stderr, "\r%s: %.1f MB", what, (double)done / 1e6);
    return 0;
}

static auris_status fetch(const char *url, const char *dest, const char *sha256, const char *what,
                          auris_error *err)
{
    auris_download_config cfg;
    auris_download_config_default(&cfg);
    cfg.sha256_hex = sha256;
    cfg.max_bytes = (int64_t)64 << 20;
    if (cli_isatty(stderr)) {
        cfg.progress = on_progress;
        cfg.progress_user = (void *)what;
    }
    auris_status st = auris_download(url, dest, &cfg, NULL, err);
    if (cfg.progress)
        fputc('\n', stderr);
    return st;
}

static int do_pull(const char *name, const char *url, const char *class_map_url)
{
    if (strcmp(name, "yamnet") != 0) {
        cli_error("models", "pull: unknown model '%s' (known: yamnet)", name);
        return CLI_USAGE;
    }
    auris_error err = {0};
    char dir[PATH_MAX_LEN], tflite[PATH_MAX_LEN + 32], csv[PATH_MAX_LEN + 32],
        dest[PATH_MAX_LEN + 64];
    if (models_dir_created(dir, sizeof dir, &err))
        return cli_fail("models", &err);
    if (!join(tflite, sizeof tflite, dir, ".pull-yamnet.tflite") ||
        !join(csv, sizeof csv, dir, ".pull-yamnet_class_map.csv")) {
        cli_error("models", "%s: path too long", dir);
        return CLI_INPUT;
    }
    auris_status st = fetch(url, tflite, YAMNET_SHA256, "yamnet.tflite", &err);
    if (!st)
        st = fetch(class_map_url, csv, YAMNET_CLASS_MAP_SHA256, "yamnet_class_map.csv", &err);
    if (!st)
        st = install(tflite, csv, dir, name, dest, sizeof dest, &err);
    unlink(tflite);
    unlink(csv);
    if (st)
        return cli_fail("models", &err);
    return report_installed(dir, name);
}

static void list_json(const char *dir, const auris_model_info *list, size_t count)
{
    fputs("{\"dir\":", stdout);
    auris_json_string(stdout, dir);
    fputs(",\"models\":[", stdout);
    for (size_t i = 0; i < count; i++) {
        const auris_model_info *m = &list[i];
        fputs(i ? ",{\"name\":" : "{\"name\":", stdout);
        auris_json_string(stdout, m->name);
        fputs(",\"kind\":", stdout);
        auris_json_string(stdout, m->kind);
        printf(",\"classes\":%d,\"tensors\":%zu,\"size_bytes\":%lld,\"path\":", m->class_count,
               m->tensor_count, (long long)m->size_bytes);
        auris_json_string(stdout, m->path);
        if (m->status) {
            fputs(",\"error\":", stdout);
            auris_json_string(stdout, m->problem);
        }
        fputc('}', stdout);
    }
    fputs("]}\n", stdout);
}

static void list_text(const char *dir, const auris_model_info *list, size_t count)
{
    if (count == 0) {
        printf("no models in %s (install one with: auris models pull yamnet)\n", dir);
        return;
    }
    printf("%-20s %-10s %8s %10s  %s\n", "NAME", "KIND", "CLASSES", "SIZE", "PATH");
    for (size_t i = 0; i < count; i++) {
        const auris_model_info *m = &list[i];
        char classes[16] = "-", size[32];
        if (m->class_count >= 0)
            snprintf(classes, sizeof classes, "%d", m->class_count);
        snprintf(size, sizeof size, "%.1f MB", (double)m->size_bytes / 1e6);
        printf("%-20s %-10s %8s %10s  %s\n", m->name, m->kind[0] ? m->kind : "-", classes, size,
               m->path);
        if (m->status)
            printf("  unreadable: %s\n", m->problem);
    }
}

static int do_list(int json)
{
    auris_error err = {0};
    char dir[PATH_MAX_LEN];
    auris_model_info *list = NULL;
    size_t count = 0;
    if (auris_models_dir(dir, sizeof dir, &err) || auris_models_list(dir, &list, &count, &err))
        return cli_fail("models", &err);
    if (json)
        list_json(dir, list, count);
    else
        list_text(dir, list, count);
    auris_models_list_free(list);
    return CLI_OK;
}

static int do_path(const char *name)
{
    auris_error err = {0};
    char path[PATH_MAX_LEN + 64];
    if (auris_models_path(name, path, sizeof path, &err))
        return cli_fail("models", &err);
    puts(path);
    return CLI_OK;
}

/* Checks that the action got exactly `want` arguments and only its own options. */
static int usage_ok(const char *action, int have, int want, char **args, int stray_option)
{
    if (stray_option) {
        cli_error("models", "%s: option not valid for this action (see auris models --help)",
                  action);
        return 0;
    }
    if (have < want)
        cli_error("models", "%s: missing argument (see auris models --help)", action);
    else if (have > want)
        cli_error("models", "%s: unexpected argument '%s'", action, args[want]);
    return have == want;
}

int cmd_models(int argc, char **argv)
{
    enum { OPT_URL = 0x100, OPT_MAP_URL, OPT_MAP, OPT_NAME };
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"url", required_argument, NULL, OPT_URL},
        {"class-map-url", required_argument, NULL, OPT_MAP_URL},
        {"class-map", required_argument, NULL, OPT_MAP},
        {"name", required_argument, NULL, OPT_NAME},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *url = YAMNET_URL, *map_url = YAMNET_CLASS_MAP_URL, *map = NULL, *name = "yamnet";
    int json = 0, url_set = 0, map_url_set = 0, name_set = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case OPT_URL: url = optarg; url_set = 1; break;
        case OPT_MAP_URL: map_url = optarg; map_url_set = 1; break;
        case OPT_MAP: map = optarg; break;
        case OPT_NAME: name = optarg; name_set = 1; break;
        case 'h': help(stdout); return CLI_OK;
        default: help(stderr); return CLI_USAGE;
        }
    }
    if (optind >= argc) {
        cli_error("models", "no action: list, pull, import or path (see auris models --help)");
        return CLI_USAGE;
    }
    const char *action = argv[optind];
    int rest = argc - optind - 1;
    char **args = argv + optind + 1;
    int pull_opts = url_set || map_url_set, import_opts = map || name_set;
    if (!strcmp(action, "list"))
        return usage_ok(action, rest, 0, args, pull_opts || import_opts) ? do_list(json) : CLI_USAGE;
    if (!strcmp(action, "pull"))
        return usage_ok(action, rest, 1, args, json || import_opts) ? do_pull(args[0], url, map_url)
                                                                    : CLI_USAGE;
    if (!strcmp(action, "import"))
        return usage_ok(action, rest, 1, args, json || pull_opts) ? do_import(args[0], map, name)
                                                                  : CLI_USAGE;
    if (!strcmp(action, "path"))
        return usage_ok(action, rest, 1, args, json || pull_opts || import_opts) ? do_path(args[0])
                                                                                 : CLI_USAGE;
    cli_error("models", "unknown action '%s' (list, pull, import, path)", action);
    return CLI_USAGE;
}
