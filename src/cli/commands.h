/* One entry point per subcommand, each in src/cli/cmd_NAME.c. */
#ifndef AURIS_CLI_COMMANDS_H
#define AURIS_CLI_COMMANDS_H

int cmd_info(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_spectrogram(int argc, char **argv);
int cmd_transcribe(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_models(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_val(int argc, char **argv);
int cmd_predict(int argc, char **argv);

#endif
