/* The .npy reader on arbitrary bytes, and round trips of arbitrary floats through the .npy
 * and WAV writers: what is written must read back identically. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auris/audio.h"
#include "auris/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void npy_round_trip(const float *x, size_t n, const char *path)
{
    size_t cols = n % 7 + 1, rows = n / cols;
    auris_npy_writer *w = NULL;
    if (auris_npy_writer_open(path, cols, &w, NULL) != AURIS_OK)
        return;
    auris_npy_writer_write(w, x, rows);
    if (auris_npy_writer_close(w, NULL) != AURIS_OK)
        abort();
    float *back = NULL;
    size_t r = 0, c = 0;
    if (auris_npy_load(path, &back, &r, &c, NULL) != AURIS_OK || r != rows || c != cols ||
        (rows && memcmp(back, x, sizeof(float) * rows * cols) != 0))
        abort();
    free(back);
}

static void wav_round_trip(const float *x, size_t n, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (x[i] != x[i] || x[i] > 3e38f || x[i] < -3e38f)
            return; /* non-finite input is refused on reading, by design */
    auris_wav_writer *w = NULL;
    if (auris_wav_writer_open(path, 16000, 1, AURIS_WAV_FLOAT32, &w, NULL) != AURIS_OK)
        return;
    auris_wav_writer_write(w, x, n);
    if (auris_wav_writer_close(w, NULL) != AURIS_OK)
        abort();
    float *back = NULL;
    size_t frames = 0;
    int rate = 0, ch = 0;
    auris_status st = auris_audio_load(path, NULL, 0, &back, &frames, &rate, &ch, NULL);
    if (n == 0) {
        if (st == AURIS_OK)
            abort();
        return;
    }
    if (st != AURIS_OK || frames != n || rate != 16000 || ch != 1 ||
        memcmp(back, x, sizeof(float) * n) != 0)
        abort();
    free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    float *out = NULL;
    size_t rows = 0, cols = 0;
    if (auris_npy_parse(data, size, "fuzz", &out, &rows, &cols, NULL) == AURIS_OK)
        free(out);
    size_t n = size / sizeof(float);
    float *x = malloc(n ? n * sizeof(float) : 1);
    if (!x)
        return 0;
    memcpy(x, data, n * sizeof(float));
    char path[64];
    snprintf(path, sizeof path, "/tmp/auris-fuzz-%d.npy", (int)getpid());
    npy_round_trip(x, n, path);
    snprintf(path, sizeof path, "/tmp/auris-fuzz-%d.wav", (int)getpid());
    wav_round_trip(x, n, path);
    unlink(path);
    free(x);
    return 0;
}
