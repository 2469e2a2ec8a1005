/* auris train: a spectrogram CNN or a YAMNet-embedding head from a folder of labelled audio
 * or a CSV manifest, into a run folder (runs/train/expN). */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auris/models.h"
#include "auris/train.h"
#include "core/file.h"
#include "cli/cli.h"
#include "cli/commands.h"

#define CMD "train"
#define MAX_FOLDS 64

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

typedef struct train_args {
    auris_train_config tc;
    const char *data, *manifest, *audio_dir, *project, *name, *cfg_path, *model_name;
    int fold, cv, quiet;
    float val_split;
} train_args;

static void help(FILE *f)
{
    fprintf(f,
        "usage: auris train --data DIR | --manifest FILE.csv [OPTIONS]\n\n"
        "Train an audio classifier; the run goes to PROJECT/NAME (default runs/train/expN):\n"
        "weights/best.safetensors, weights/last.safetensors, args.json, results.csv,\n"
        "results.png, metrics.json, confusion_matrix.png, confusion_matrix_normalized.png.\n\n"
        "Data:\n"
        "      --data DIR         DIR/train/<class>/* and DIR/val/<class>/*, or DIR/<class>/*\n"
        "                         split by --val-split (stratified, fixed seed)\n"
        "      --manifest CSV     columns filename,label[,fold] (ESC-50's esc50.csv works)\n"
        "      --audio-dir DIR    where the manifest's files are (default: beside it, or audio/)\n"
        "      --fold K           hold fold K out: train on the others, report on fold K\n"
        "      --cv               run every fold in turn and report mean and std (rows of\n"
        "                         fold 0 are never held out: extra training data)\n"
        "      --val-split F      validation fraction carved from the training data (default\n"
        "                         0.2; with --fold/--cv, 0 validates on the held-out fold)\n"
        "Model:\n"
        "      --model M          cnn (default) or yamnet-head\n"
        "      --preset P         cnn size: small (default) or medium\n"
        "      --cfg FILE         cnn architecture as cfg text instead of a preset\n"
        "      --yamnet FILE      YAMNet model file (yamnet-head; default $AURIS_YAMNET, then\n"
        "                         the one auris models import/pull installed)\n"
        "      --cache DIR        embedding cache (yamnet-head; default PROJECT/.cache)\n"
        "      --head-hidden N    hidden units of the yamnet head (default 256; 0 = linear)\n"
        "      --sample-rate HZ   analysis rate (default 16000)\n"
        "      --n-mels N         mel bands (default 64)\n"
        "      --win-ms MS        window (default 25)    --hop-ms MS  hop (default 10)\n"
        "      --duration S       clip length: cut or padded to this (default 1)\n"
        "      --no-random-crop   train on the centre of longer clips, not random crops\n"
        "      --top-db DB        floor of the log-mel image below its peak (default 80;\n"
        "                         lower hides noise floors that differ between recordings)\n"
        "Optimisation:\n"
        "      --epochs N (30)  --batch N (32)  --lr X (0.003)  --optimizer adamw|sgd\n"
        "      --momentum X (0.9)  --weight-decay X (0.001)  --schedule cosine|step|constant\n"
        "      --warmup EPOCHS (1)  --label-smoothing X (0.05)\n"
        "      --patience N       stop after N epochs without a lower val loss (10; 0 = off)\n"
        "      --ema DECAY        evaluate and save the moving average of the weights over\n"
        "                         the steps (e.g. 0.999; default off)\n"
        "      --eval-last        report the last epoch's weights instead of the best\n"
        "      --seed N           same seed and --threads give the same model (default 0)\n"
        "      --threads N        threads for features and the network (default: all cores)\n"
        "Augmentation (all off by default):\n"
        "      --specaugment      2 time and 2 frequency masks (--time-masks/--freq-masks N)\n"
        "      --mixup A          mixup with Beta(A, A) weights\n"
        "      --gain DB          random gain in +-DB\n"
        "      --shift S          random time shift up to +-S seconds\n"
        "      --speed F          speed/pitch perturbation by a factor in [1-F, 1+F]\n"
        "      --tempo F          tempo perturbation, pitch kept: [1-F, 1+F]\n"
        "      --trim DB          half the clips lose their edges quieter than [DB, 60] dB\n"
        "                         below the peak (endpointing that cuts weak onsets)\n"
        "      --noise DIR        add background noise from DIR (--noise-prob 0.5,\n"
        "                         --snr MIN,MAX dB 5,20)\n"
        "      --rir DIR          reverberate with impulse responses from DIR (--rir-prob 0.3)\n"
        "      --lowpass P        low-pass filter a fraction P of the clips (cut-off 1 kHz to\n"
        "                         0.9 Nyquist: channels without the fricatives' high band)\n"
        "Output:\n"
        "      --project DIR      parent of the run folder (default runs/train)\n"
        "      --name NAME        run folder name (NAME2, NAME3... if taken)\n"
        "  -q, --quiet            no progress\n"
        "  -h, --help             show this help\n\n"
        "Ctrl-C stops after the current batch and keeps weights/last.safetensors (exit 130).\n"
        "Files that cannot be decoded are listed and skipped.\n");
}

enum {
    O_DATA = 0x2000, O_MANIFEST, O_AUDIODIR, O_FOLD, O_CV, O_VALSPLIT, O_MODEL, O_PRESET, O_CFG,
    O_YAMNET, O_CACHE, O_RATE, O_MELS, O_WIN, O_HOP, O_DUR, O_NOCROP, O_EPOCHS, O_BATCH, O_LR,
    O_OPT, O_MOM, O_WD, O_SCHED, O_WARM, O_LS, O_PAT, O_SEED, O_THREADS, O_SPEC, O_TMASK,
    O_FMASK, O_MIXUP, O_GAIN, O_SHIFT, O_SPEED, O_NOISE, O_NOISEP, O_SNR, O_RIR, O_RIRP,
    O_PROJECT, O_NAME, O_EVALLAST, O_HIDDEN, O_TEMPO, O_TRIM, O_EMA, O_LOWPASS, O_TOPDB
};

static const struct option long_opts[] = {
    {"data", required_argument, NULL, O_DATA}, {"manifest", required_argument, NULL, O_MANIFEST},
    {"audio-dir", required_argument, NULL, O_AUDIODIR}, {"fold", required_argument, NULL, O_FOLD},
    {"cv", no_argument, NULL, O_CV}, {"val-split", required_argument, NULL, O_VALSPLIT},
    {"model", required_argument, NULL, O_MODEL}, {"preset", required_argument, NULL, O_PRESET},
    {"cfg", required_argument, NULL, O_CFG}, {"yamnet", required_argument, NULL, O_YAMNET},
    {"cache", required_argument, NULL, O_CACHE}, {"sample-rate", required_argument, NULL, O_RATE},
    {"n-mels", required_argument, NULL, O_MELS}, {"win-ms", required_argument, NULL, O_WIN},
    {"hop-ms", required_argument, NULL, O_HOP}, {"duration", required_argument, NULL, O_DUR},
    {"no-random-crop", no_argument, NULL, O_NOCROP}, {"epochs", required_argument, NULL, O_EPOCHS},
    {"batch", required_argument, NULL, O_BATCH}, {"lr", required_argument, NULL, O_LR},
    {"optimizer", required_argument, NULL, O_OPT}, {"momentum", required_argument, NULL, O_MOM},
    {"weight-decay", required_argument, NULL, O_WD}, {"schedule", required_argument, NULL, O_SCHED},
    {"warmup", required_argument, NULL, O_WARM}, {"label-smoothing", required_argument, NULL, O_LS},
    {"ema", required_argument, NULL, O_EMA}, {"lowpass", required_argument, NULL, O_LOWPASS},
    {"patience", required_argument, NULL, O_PAT}, {"seed", required_argument, NULL, O_SEED},
    {"threads", required_argument, NULL, O_THREADS}, {"specaugment", no_argument, NULL, O_SPEC},
    {"time-masks", required_argument, NULL, O_TMASK}, {"freq-masks", required_argument, NULL, O_FMASK},
    {"mixup", required_argument, NULL, O_MIXUP}, {"gain", required_argument, NULL, O_GAIN},
    {"shift", required_argument, NULL, O_SHIFT}, {"speed", required_argument, NULL, O_SPEED},
    {"noise", required_argument, NULL, O_NOISE}, {"noise-prob", required_argument, NULL, O_NOISEP},
    {"snr", required_argument, NULL, O_SNR}, {"rir", required_argument, NULL, O_RIR},
    {"rir-prob", required_argument, NULL, O_RIRP}, {"project", required_argument, NULL, O_PROJECT},
    {"name", required_argument, NULL, O_NAME}, {"quiet", no_argument, NULL, 'q'},
    {"eval-last", no_argument, NULL, O_EVALLAST}, {"head-hidden", required_argument, NULL, O_HIDDEN},
    {"tempo", required_argument, NULL, O_TEMPO}, {"trim", required_argument, NULL, O_TRIM},
    {"top-db", required_argument, NULL, O_TOPDB},
    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}
};

static int parse_choice(const char *opt, const char *arg, const char *const *names, int n,
                        int *out)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(arg, names[i])) {
            *out = i;
            return 0;
        }
    cli_error(CMD, "%s: unknown value '%s'", opt, arg);
    return -1;
}

static int parse_float_opt(int opt, const char *arg, train_args *a)
{
    auris_train_config *c = &a->tc;
    switch (opt) {
    case O_VALSPLIT: return cli_parse_float(CMD, "--val-split", arg, 0, 0.9, &a->val_split);
    case O_WIN: return cli_parse_float(CMD, "--win-ms", arg, 1, 1000, &c->win_ms);
    case O_HOP: return cli_parse_float(CMD, "--hop-ms", arg, 0.5, 1000, &c->hop_ms);
    case O_DUR: return cli_parse_float(CMD, "--duration", arg, 0.05, 600, &c->duration_s);
    case O_TOPDB: return cli_parse_float(CMD, "--top-db", arg, 10, 120, &c->top_db);
    case O_LR: return cli_parse_float(CMD, "--lr", arg, 1e-8, 10, &c->lr);
    case O_MOM: return cli_parse_float(CMD, "--momentum", arg, 0, 0.999, &c->momentum);
    case O_WD: return cli_parse_float(CMD, "--weight-decay", arg, 0, 1, &c->weight_decay);
    case O_WARM: return cli_parse_float(CMD, "--warmup", arg, 0, 1000, &c->warmup_epochs);
    case O_LS: return cli_parse_float(CMD, "--label-smoothing", arg, 0, 0.5, &c->label_smoothing);
    case O_LOWPASS: return cli_parse_float(CMD, "--lowpass", arg, 0, 1, &c->lowpass_prob);
    case O_EMA: return cli_parse_float(CMD, "--ema", arg, 0, 0.99999, &c->ema);
    case O_MIXUP: return cli_parse_float(CMD, "--mixup", arg, 0, 10, &c->mixup);
    case O_GAIN: return cli_parse_float(CMD, "--gain", arg, 0, 40, &c->gain_db);
    case O_SHIFT: return cli_parse_float(CMD, "--shift", arg, 0, 600, &c->shift_s);
    case O_SPEED: return cli_parse_float(CMD, "--speed", arg, 0, 0.45, &c->speed);
    case O_TEMPO: return cli_parse_float(CMD, "--tempo", arg, 0, 0.45, &c->tempo);
    case O_TRIM: return cli_parse_float(CMD, "--trim", arg, 1, 60, &c->trim_db);
    case O_NOISEP: return cli_parse_float(CMD, "--noise-prob", arg, 0, 1, &c->noise_prob);
    case O_RIRP: return cli_parse_float(CMD, "--rir-prob", arg, 0, 1, &c->rir_prob);
    default: return 1;
    }
}

static int parse_int_opt(int opt, const char *arg, train_args *a)
{
    auris_train_config *c = &a->tc;
    int v;
    switch (opt) {
    case O_FOLD: return cli_parse_int(CMD, "--fold", arg, 1, 1000000, &a->fold);
    case O_RATE:
        return cli_parse_int(CMD, "--sample-rate", arg, AURIS_MIN_SAMPLE_RATE_HZ,
                             AURIS_MAX_SAMPLE_RATE_HZ, &c->sample_rate_hz);
    case O_MELS: return cli_parse_int(CMD, "--n-mels", arg, 1, 512, &c->n_mels);
    case O_EPOCHS: return cli_parse_int(CMD, "--epochs", arg, 1, 100000, &c->epochs);
    case O_BATCH: return cli_parse_int(CMD, "--batch", arg, 2, 4096, &c->batch);
    case O_PAT: return cli_parse_int(CMD, "--patience", arg, 0, 100000, &c->patience);
    case O_THREADS: return cli_parse_int(CMD, "--threads", arg, 1, 64, &c->threads);
    case O_TMASK: return cli_parse_int(CMD, "--time-masks", arg, 0, 100, &c->time_masks);
    case O_FMASK: return cli_parse_int(CMD, "--freq-masks", arg, 0, 100, &c->freq_masks);
    case O_HIDDEN: return cli_parse_int(CMD, "--head-hidden", arg, 0, 65536, &c->head_hidden);
    case O_SEED:
        if (cli_parse_int(CMD, "--seed", arg, 0, 2147483647L, &v))
            return -1;
        c->seed = (uint64_t)v;
        return 0;
    default: return 1;
    }
}

static int parse_other(int opt, const char *arg, train_args *a)
{
    auris_train_config *c = &a->tc;
    static const char *const opts[] = {"sgd", "adamw"};
    static const char *const scheds[] = {"constant", "step", "cosine"};
    int v;
    switch (opt) {
    case O_DATA: a->data = arg; return 0;
    case O_MANIFEST: a->manifest = arg; return 0;
    case O_AUDIODIR: a->audio_dir = arg; return 0;
    case O_CV: a->cv = 1; return 0;
    case O_MODEL:
        if ((v = auris_train_model_from_name(arg)) < 0) {
            cli_error(CMD, "--model: unknown model '%s' (cnn | yamnet-head)", arg);
            return -1;
        }
        c->model = (auris_train_model)v;
        return 0;
    case O_PRESET: c->preset = arg; return 0;
    case O_CFG: a->cfg_path = arg; return 0;
    case O_YAMNET: c->yamnet_path = arg; return 0;
    case O_CACHE: c->cache_dir = arg; return 0;
    case O_NOCROP: c->random_crop = 0; return 0;
    case O_EVALLAST: c->eval_last = 1; return 0;
    case O_OPT:
        if (parse_choice("--optimizer", arg, opts, 2, &v))
            return -1;
        c->optimizer = (auris_nn_optimizer)v;
        return 0;
    case O_SCHED:
        if (parse_choice("--schedule", arg, scheds, 3, &v))
            return -1;
        c->schedule = (auris_nn_schedule)v;
        return 0;
    case O_SPEC: c->time_masks = c->freq_masks = 2; return 0;
    case O_NOISE: c->noise_dir = arg; return 0;
    case O_RIR: c->rir_dir = arg; return 0;
    case O_SNR:
        if (sscanf(arg, "%f,%f", &c->snr_min_db, &c->snr_max_db) != 2 ||
            !(c->snr_min_db <= c->snr_max_db)) {
            cli_error(CMD, "--snr: expected MIN,MAX in dB, got '%s'", arg);
            return -1;
        }
        return 0;
    case O_PROJECT: a->project = arg; return 0;
    case O_NAME: a->name = arg; return 0;
    case 'q': a->quiet = 1; return 0;
    default: return 1;
    }
}

/* ---- progress ---- */

typedef struct progress {
    int tty, quiet;
    const char *prefix;
} progress;

static void fmt_time(double s, char *buf, size_t cap)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, cap, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, cap, "%ld:%02ld", t / 60, t % 60);
}

static void on_progress(const auris_train_progress *p, void *user)
{
    progress *pr = user;
    if (pr->quiet)
        return;
    double done = (double)(p->epoch - 1) + (double)p->batch / p->batches;
    double eta = done > 0 ? p->elapsed_s / done * (p->epochs - done) : 0;
    char et[32];
    fmt_time(eta, et, sizeof et);
    if (p->phase == 0) {
        if (!pr->tty)
            return;
        int width = 20, fill = (int)((double)width * p->batch / p->batches);
        char bar[32];
        for (int i = 0; i < width; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[width] = 0;
        fprintf(stderr, "\r%s%3d/%d [%s] %d/%d loss %.4f acc %.3f ETA %s\033[K", pr->prefix,
                p->epoch, p->epochs, bar, p->batch, p->batches, p->train_loss, p->train_acc, et);
        fflush(stderr);
        return;
    }
    fprintf(stderr, "%s%sepoch %3d/%d  train_loss %.4f  acc %.3f  val_loss %.4f  top1 %.3f  "
            "top5 %.3f  lr %.2g%s  (%.0f s, ETA %s)\n", pr->tty ? "\r\033[K" : "", pr->prefix,
            p->epoch, p->epochs, p->train_loss, p->train_acc, p->val_loss, p->top1, p->top5,
            (double)p->lr, p->best ? "  *best" : "", p->elapsed_s, et);
}

static void on_log(auris_log_level level, const char *message, void *user)
{
    (void)user;
    if (level >= AURIS_LOG_WARN)
        fprintf(stderr, "%sauris train: %s\n", cli_isatty(stderr) ? "\r\033[K" : "", message);
}

/* ---- data ---- */

static int load_folder_sets(train_args *a, auris_dataset **tr, auris_dataset **va,
                            auris_error *err)
{
    char sub[4096], sub2[4096];
    snprintf(sub, sizeof sub, "%s/train", a->data);
    snprintf(sub2, sizeof sub2, "%s/val", a->data);
    auris_dataset *all = NULL;
    auris_status st = auris_dataset_new(&all, err);
    if (!st && access(sub, F_OK) == 0) {
        st = auris_dataset_add_dir(all, sub, err);
        if (!st && access(sub2, F_OK) == 0) {
            *tr = all;
            all = NULL;
            st = auris_dataset_new(va, err);
            if (!st)
                st = auris_dataset_set_classes(*va, auris_dataset_class_names(*tr),
                                               auris_dataset_class_count(*tr), err);
            if (!st)
                st = auris_dataset_add_dir(*va, sub2, err);
            return st;
        }
    } else if (!st) {
        st = auris_dataset_add_dir(all, a->data, err);
    }
    if (!st)
        st = auris_dataset_split(all, a->val_split > 0 ? a->val_split : 0.2, a->tc.seed, tr, va,
                                 err);
    auris_dataset_free(all);
    return st;
}

static double mean_std(const double *v, int n, double *sd)
{
    double m = 0, s = 0;
    for (int i = 0; i < n; i++)
        m += v[i];
    m /= n;
    for (int i = 0; i < n; i++)
        s += (v[i] - m) * (v[i] - m);
    *sd = n > 1 ? sqrt(s / (n - 1)) : 0;
    return m;
}

static int train_one(train_args *a, const char *run_dir, const auris_dataset *tr,
                     const auris_dataset *va, const auris_dataset *te, const char *prefix,
                     auris_train_result *res)
{
    progress pr = {cli_isatty(stderr), a->quiet, prefix};
    a->tc.run_dir = run_dir;
    a->tc.progress = on_progress;
    a->tc.progress_user = &pr;
    auris_error err = {0};
    if (!a->quiet)
        fprintf(stderr, "%s%zu training, %zu validation%s files, %d classes -> %s\n", prefix,
                auris_dataset_count(tr), auris_dataset_count(va), te ? " (+ held-out fold)" : "",
                auris_dataset_class_count(tr), run_dir);
    auris_status st = auris_train_run(&a->tc, tr, va, te, res, &err);
    if (st == AURIS_ECANCELED) {
        fprintf(stderr, "%sauris train: interrupted; weights kept in %s/weights/last.safetensors\n",
                pr.tty ? "\r\033[K" : "", run_dir);
        return 130;
    }
    if (st)
        return cli_fail(CMD, &err);
    printf("%s%s: best epoch %d of %d, top1 %.4f, top5 %.4f, macro-F1 %.4f%s\n", prefix, run_dir,
           res->best_epoch, res->epochs_run, res->top1, res->top5, res->macro_f1,
           res->skipped ? " (some files skipped)" : "");
    return CLI_OK;
}

/* One run per fold (or the one fold asked for) into run_dir/foldK. */
static int run_folds(train_args *a, const auris_dataset *all, const char *run_dir)
{
    int folds[MAX_FOLDS], n = auris_dataset_folds(all, folds, MAX_FOLDS);
    if (n < 2) {
        cli_error(CMD, "the manifest needs a fold column with at least 2 folds (%d found)", n);
        return CLI_USAGE;
    }
    double top1[MAX_FOLDS], top5[MAX_FOLDS], f1[MAX_FOLDS];
    int done = 0, rc = CLI_OK;
    for (int i = 0; i < n && rc == CLI_OK; i++) {
        if (!a->cv && folds[i] != a->fold)
            continue;
        auris_error err = {0};
        auris_dataset *rest = NULL, *held = NULL, *tr = NULL, *va = NULL;
        auris_status st = auris_dataset_split_fold(all, folds[i], &rest, &held, &err);
        if (!st && a->val_split > 0)
            st = auris_dataset_split(rest, a->val_split, a->tc.seed, &tr, &va, &err);
        char dir[4200], prefix[32];
        snprintf(dir, sizeof dir, "%s/fold%d", run_dir, folds[i]);
        snprintf(prefix, sizeof prefix, "[fold %d] ", folds[i]);
        if (!st && mkdir(dir, 0777) != 0)
            st = AURIS_EIO;
        auris_train_result res;
        rc = st ? cli_fail(CMD, &err)
                : train_one(a, dir, tr ? tr : rest, va ? va : held, va ? held : NULL, prefix, &res);
        if (rc == CLI_OK) {
            top1[done] = res.top1;
            top5[done] = res.top5;
            f1[done++] = res.macro_f1;
        }
        auris_dataset_free(rest);
        auris_dataset_free(held);
        auris_dataset_free(tr);
        auris_dataset_free(va);
    }
    if (!done) {
        if (rc == CLI_OK)
            cli_error(CMD, "no fold %d in the manifest", a->fold);
        return rc == CLI_OK ? CLI_USAGE : rc;
    }
    if (a->cv && rc == CLI_OK) {
        double s1, s5, sf;
        double m1 = mean_std(top1, done, &s1), m5 = mean_std(top5, done, &s5),
               mf = mean_std(f1, done, &sf);
        printf("cross-validation over %d folds: top1 %.4f ± %.4f, top5 %.4f ± %.4f, "
               "macro-F1 %.4f ± %.4f\n", done, m1, s1, m5, s5, mf, sf);
        char path[4200];
        snprintf(path, sizeof path, "%s/cv.json", run_dir);
        FILE *f = fopen(path, "w");
        if (f) {
            fprintf(f, "{\"folds\": %d, \"top1\": [", done);
            for (int i = 0; i < done; i++)
                fprintf(f, "%s%.6f", i ? ", " : "", top1[i]);
            fprintf(f, "], \"top1_mean\": %.6f, \"top1_std\": %.6f, \"top5_mean\": %.6f, "
                    "\"top5_std\": %.6f, \"macro_f1_mean\": %.6f, \"macro_f1_std\": %.6f}\n",
                    m1, s1, m5, s5, mf, sf);
            fclose(f);
        }
    }
    return rc;
}

static int read_cfg_file(train_args *a, char **text)
{
    char *buf;
    size_t n;
    auris_error err = {0};
    if (auris_read_file(a->cfg_path, 1 << 20, &buf, &n, &err))
        return cli_fail(CMD, &err);
    *text = buf;
    a->tc.cfg_text = buf;
    return CLI_OK;
}

int cmd_train(int argc, char **argv)
{
    train_args a;
    memset(&a, 0, sizeof a);
    auris_train_config_default(&a.tc);
    a.val_split = -1;
    a.project = "runs/train";
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    a.tc.threads = cores > 0 && cores < 64 ? (int)cores : 1;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "qh", long_opts, NULL)) != -1) {
        if (opt == 'h') {
            help(stdout);
            return CLI_OK;
        }
        int r = parse_float_opt(opt, optarg, &a);
        if (r > 0)
            r = parse_int_opt(opt, optarg, &a);
        if (r > 0)
            r = parse_other(opt, optarg, &a);
        if (r != 0) {
            if (r > 0)
                help(stderr);
            return CLI_USAGE;
        }
    }
    if (optind < argc || (!a.data == !a.manifest) || ((a.fold || a.cv) && !a.manifest)) {
        cli_error(CMD, optind < argc ? "unexpected argument '%s'"
                  : "give --data DIR or --manifest FILE (--fold/--cv need a manifest)%s",
                  optind < argc ? argv[optind] : "");
        return CLI_USAGE;
    }
    char yamnet[4096];
    if (a.tc.model == AURIS_TRAIN_YAMNET_HEAD && !a.tc.yamnet_path) {
        auris_error e = {0};
        if (auris_models_yamnet_path(yamnet, sizeof yamnet, &e)) {
            cli_error(CMD, "yamnet-head needs YAMNet: %s (or give --yamnet FILE)", e.message);
            return CLI_INPUT;
        }
        a.tc.yamnet_path = yamnet;
    }
    char cache[4096];
    if (a.tc.model == AURIS_TRAIN_YAMNET_HEAD && !a.tc.cache_dir) {
        snprintf(cache, sizeof cache, "%s/.cache", a.project);
        a.tc.cache_dir = cache;
    }
    if (a.val_split < 0)
        a.val_split = 0.2f;
    auris_log_set(on_log, NULL);
    char *cfg_text = NULL;
    if (a.cfg_path && read_cfg_file(&a, &cfg_text))
        return CLI_INPUT;
    auris_error err = {0};
    auris_dataset *all = NULL, *tr = NULL, *va = NULL;
    auris_status st = AURIS_OK;
    if (a.manifest) {
        st = auris_dataset_new(&all, &err);
        if (!st)
            st = auris_dataset_add_manifest(all, a.manifest, a.audio_dir, &err);
        if (!st && !a.fold && !a.cv)
            st = auris_dataset_split(all, a.val_split > 0 ? a.val_split : 0.2, a.tc.seed, &tr,
                                     &va, &err);
    } else {
        st = load_folder_sets(&a, &tr, &va, &err);
    }
    char run_dir[4096];
    if (!st)
        st = auris_run_dir_new(a.project, a.name, run_dir, sizeof run_dir, &err);
    int rc = st ? cli_fail(CMD, &err) : CLI_OK;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sa.sa_flags = SA_RESETHAND;   /* a second Ctrl-C ends the process at once */
    sigaction(SIGINT, &sa, NULL);
    a.tc.cancel = &interrupted;
    if (rc == CLI_OK && tr) {
        auris_train_result res;
        rc = train_one(&a, run_dir, tr, va, NULL, "", &res);
    } else if (rc == CLI_OK) {
        rc = run_folds(&a, all, run_dir);
    }
    auris_dataset_free(all);
    auris_dataset_free(tr);
    auris_dataset_free(va);
    free(cfg_text);
    return rc;
}
