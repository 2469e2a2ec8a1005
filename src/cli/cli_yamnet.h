/* Loading YAMNet for the commands built on it (tag, classify). */
#ifndef AURIS_CLI_YAMNET_H
#define AURIS_CLI_YAMNET_H

#include "auris/tag.h"

/* Loads the model file path, or with path NULL $AURIS_YAMNET, else the installed model
 * 'yamnet' (auris_models_yamnet_path, as train and predict find it). On failure
 * prints one line ("auris CMD: model 'yamnet' is not installed ...: run `auris models pull
 * yamnet` ...") and returns CLI_INPUT; else CLI_OK. */
int cli_load_yamnet(const char *cmd, const char *path, auris_yamnet **out);

#endif
