/* `auris`: the command. Dispatches to one subcommand per file. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"

static const cli_command commands[] = {
    {"info", "print format, codec, rate, channels and duration of audio files", cmd_info},
    {"features", "compute STFT / mel / log-mel / MFCC features into a .npy file", cmd_features},
    {"spectrogram", "draw a spectrogram picture (PNG)", cmd_spectrogram},
    {"transcribe", "speech to text (PocketSphinx): files or live stdin, keyword spotting", cmd_transcribe},
    {"eval", "evaluate a recogniser on a labelled set (eval asr: word error rate)", cmd_eval},
    {"models", "install (pull, import) and list models such as YAMNet", cmd_models},
    {"tag", "AudioSet tags (YAMNet) per 0.96 s patch and for the whole clip", cmd_tag},
    {"classify", "timeline of speech/music/noise/silence, sound events or genre", cmd_classify},
    {"train", "train a classifier on labelled audio (runs/train/expN)", cmd_train},
    {"val", "score a trained classifier: top-1/5, per-class F1, confusion matrices", cmd_val},
    {"predict", "top classes of recordings with a trained classifier", cmd_predict},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: auris COMMAND [OPTIONS] [ARGS]\n\n"
               "Multi-modal audio recognition: what is in a recording and when.\n\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nOptions:\n"
               "  -h, --help     show this help (auris COMMAND --help for a command's)\n"
               "  -V, --version  print the version\n\n"
               "Exit status: 0 success, 1 usage error, 2 input or model error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(name, "-V") || !strcmp(name, "--version")) {
        printf("auris %s\n", auris_version());
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(name, commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "auris: unknown command '%s' (see auris --help)\n", name);
    return CLI_USAGE;
}
