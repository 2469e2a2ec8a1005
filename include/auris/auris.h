/* auris: multi-modal audio recognition. One include for the whole public API. */
#ifndef AURIS_H
#define AURIS_H

#include "auris/status.h"
#include "auris/audio.h"
#include "auris/dsp.h"
#include "auris/npy.h"
#include "auris/image.h"
#include "auris/vad.h"
#include "auris/asr.h"
#include "auris/nn.h"
#include "auris/tag.h"
#include "auris/classify.h"
#include "auris/models.h"

#endif
