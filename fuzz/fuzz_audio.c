/* Decoders on arbitrary bytes: libsndfile through auris's memory source (with the WAV
 * truncation check), the RIFF header walk, and the stdin WAV stream decoder. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "audio/decoder.h"
#include "audio/wav_header.h"
#include "auris/audio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void drain(auris_source *src)
{
    float buf[4096];
    size_t got = 0;
    int rounds = 0;
    while (auris_source_read(src, buf, 4096 / (size_t)auris_source_channels(src), &got) == AURIS_OK &&
           got > 0 && ++rounds < 64)
        ;
}

static void fuzz_memory_source(const uint8_t *data, size_t size)
{
    auris_source_config cfg;
    auris_source_config_default(&cfg);
    cfg.sample_rate_hz = 16000;
    auris_source *src = NULL;
    auris_error err = {0};
    if (auris_source_open_memory(data, size, "fuzz", &cfg, &src, &err) == AURIS_OK) {
        drain(src);
        auris_source_free(src);
    }
}

static void fuzz_stream_decoder(const uint8_t *data, size_t size)
{
    FILE *f = tmpfile();
    if (!f)
        return;
    fwrite(data, 1, size, f);
    fflush(f);
    rewind(f);
    auris_decoder *dec = NULL;
    auris_error err = {0};
    if (auris_decoder_wavstream_open(f, NULL, 0, "fuzz", &dec, &err) == AURIS_OK) {
        float *buf = malloc(sizeof(float) * 1024 * (size_t)dec->info.channels);
        size_t got = 0;
        int rounds = 0;
        while (buf && dec->ops->read(dec, buf, 1024, &got, &err) == AURIS_OK && got > 0 &&
               ++rounds < 64)
            ;
        free(buf);
        dec->ops->close(dec);
    }
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wav_header h;
    wav_header_parse(data, size, &h, NULL);
    fuzz_memory_source(data, size);
    fuzz_stream_decoder(data, size);
    return 0;
}
