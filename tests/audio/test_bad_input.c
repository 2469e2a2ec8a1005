/* A corpus of broken inputs, made here: each must give its status code and a one-line
 * message naming the file and the reason, through both the file decoder and (for WAV) the
 * stdin stream decoder. Never a crash. */
#include <stdint.h>
#include <unistd.h>

#include "audio/decoder.h"
#include "auris/audio.h"
#include "test.h"

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8);
}

/* A canonical 44-byte WAV header followed by data_bytes of payload from data. */
static size_t make_wav(unsigned char *buf, unsigned tag, unsigned channels, uint32_t rate,
                       unsigned bits, uint32_t declared, const void *data, size_t data_bytes)
{
    memcpy(buf, "RIFF", 4);
    put32(buf + 4, 36 + declared);
    memcpy(buf + 8, "WAVEfmt ", 8);
    put32(buf + 16, 16);
    put16(buf + 20, tag);
    put16(buf + 22, channels);
    put32(buf + 24, rate);
    put32(buf + 28, rate * channels * bits / 8);
    put16(buf + 32, channels * bits / 8);
    put16(buf + 34, bits);
    memcpy(buf + 36, "data", 4);
    put32(buf + 40, declared);
    memcpy(buf + 44, data, data_bytes);
    return 44 + data_bytes;
}

static void write_bytes(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (n)
        fwrite(b, 1, n, f);
    fclose(f);
}

/* Opens and reads path to its end; returns the first failing status. */
static auris_status decode_all(const char *path, auris_error *err)
{
    auris_source_config cfg;
    auris_source_config_default(&cfg);
    cfg.sample_rate_hz = 16000;
    float *y = NULL;
    size_t frames = 0;
    auris_status st = auris_audio_load(path, &cfg, 0, &y, &frames, NULL, NULL, err);
    free(y);
    return st;
}

/* The same bytes through the stream decoder (as if piped to stdin). */
static auris_status stream_all(const char *path, auris_error *err)
{
    FILE *f = fopen(path, "rb");
    auris_decoder *dec = NULL;
    auris_status st = auris_decoder_wavstream_open(f, NULL, 0, path, &dec, err);
    if (st == AURIS_OK) {
        float buf[4096];
        size_t got = 0;
        while ((st = dec->ops->read(dec, buf, 4096 / (size_t)dec->info.channels, &got, err)) ==
                   AURIS_OK && got > 0)
            ;
        dec->ops->close(dec);
    }
    fclose(f);
    return st;
}

typedef struct bad_case {
    const char *name;
    auris_status want;
    const char *why;      /* a word the message must contain */
    int stream_too;       /* also through the stream decoder, with stream_want */
    auris_status stream_want;
} bad_case;

static void expect(const bad_case *c, const char *path)
{
    auris_error err = {0};
    auris_status st = decode_all(path, &err);
    CHECK_MSG(st == c->want, "%s: status %d (%s), want %d: %s", c->name, st, auris_strerror(st),
              c->want, err.message);
    CHECK_MSG(strstr(err.message, path) != NULL, "%s: message does not name the file: %s",
              c->name, err.message);
    CHECK_MSG(strstr(err.message, c->why) != NULL, "%s: message lacks '%s': %s", c->name, c->why,
              err.message);
    CHECK_MSG(!strchr(err.message, '\n'), "%s: message is not one line", c->name);
    if (c->stream_too) {
        auris_error serr = {0};
        st = stream_all(path, &serr);
        CHECK_MSG(st == c->stream_want, "%s (stream): status %d, want %d: %s", c->name, st,
                  c->stream_want, serr.message);
    }
}

int main(void)
{
    char path[512];
    unsigned char buf[8192];
    short pcm[1000];
    float fl[1000];
    for (int i = 0; i < 1000; i++) {
        pcm[i] = (short)(i * 7);
        fl[i] = (float)i / 1000.0f;
    }
    const char *dir = test_tmpdir();
    size_t n;

    const bad_case empty = {"empty", AURIS_EEMPTY, "empty", 1, AURIS_EEMPTY};
    snprintf(path, sizeof path, "%s/bad-empty.wav", dir);
    write_bytes(path, "", 0);
    expect(&empty, path);

    const bad_case garbage = {"garbage", AURIS_EFORMAT, "cannot decode", 1, AURIS_EFORMAT};
    snprintf(path, sizeof path, "%s/bad-garbage.wav", dir);
    for (int i = 0; i < 4096; i++)
        buf[i] = (unsigned char)(i * 131 + 7);
    write_bytes(path, buf, 4096);
    expect(&garbage, path);

    const bad_case text = {"text", AURIS_EFORMAT, "cannot decode", 0, 0};
    snprintf(path, sizeof path, "%s/bad-text.flac", dir);
    write_bytes(path, "this is not audio\n", 18);
    expect(&text, path);

    /* Header declares 1000 samples of 16-bit, file holds 100. */
    const bad_case trunc = {"truncated wav", AURIS_ECORRUPT, "truncated", 1, AURIS_OK};
    snprintf(path, sizeof path, "%s/bad-truncated.wav", dir);
    n = make_wav(buf, 1, 1, 16000, 16, 2000, pcm, 200);
    write_bytes(path, buf, n);
    expect(&trunc, path);

    const bad_case header_only = {"header only", AURIS_EEMPTY, "no audio", 0, 0};
    snprintf(path, sizeof path, "%s/bad-header-only.wav", dir);
    n = make_wav(buf, 1, 1, 16000, 16, 0, pcm, 0);
    write_bytes(path, buf, n);
    expect(&header_only, path);

    const bad_case nan = {"nan", AURIS_EDATA, "NaN", 1, AURIS_OK};
    snprintf(path, sizeof path, "%s/bad-nan.wav", dir);
    fl[500] = NAN;
    n = make_wav(buf, 3, 1, 16000, 32, 4000, fl, 4000);
    write_bytes(path, buf, n);
    expect(&nan, path);
    fl[500] = 0.5f;

    const bad_case inf = {"inf", AURIS_EDATA, "infinite", 0, 0};
    snprintf(path, sizeof path, "%s/bad-inf.wav", dir);
    fl[10] = INFINITY;
    n = make_wav(buf, 3, 1, 16000, 32, 4000, fl, 4000);
    write_bytes(path, buf, n);
    expect(&inf, path);
    fl[10] = 0;

    const bad_case many = {"65535 channels", AURIS_ERANGE, "65535 channels", 1, AURIS_ERANGE};
    snprintf(path, sizeof path, "%s/bad-channels.wav", dir);
    n = make_wav(buf, 1, 65535, 16000, 8, 1000, pcm, 1000);
    put16(buf + 32, 65535);
    write_bytes(path, buf, n);
    expect(&many, path);

    const bad_case zero_ch = {"0 channels", AURIS_ECORRUPT, "cannot decode", 1, AURIS_ECORRUPT};
    snprintf(path, sizeof path, "%s/bad-zero-channels.wav", dir);
    n = make_wav(buf, 1, 0, 16000, 16, 1000, pcm, 1000);
    write_bytes(path, buf, n);
    expect(&zero_ch, path);

    const bad_case huge_rate = {"4 GHz rate", AURIS_ERANGE, "sample rate", 1, AURIS_ERANGE};
    snprintf(path, sizeof path, "%s/bad-rate.wav", dir);
    n = make_wav(buf, 1, 1, 4000000000u, 16, 1000, pcm, 1000);
    write_bytes(path, buf, n);
    expect(&huge_rate, path);

    const bad_case tiny_rate = {"1 Hz rate", AURIS_ERANGE, "sample rate", 1, AURIS_ERANGE};
    snprintf(path, sizeof path, "%s/bad-rate1.wav", dir);
    n = make_wav(buf, 1, 1, 1, 16, 1000, pcm, 1000);
    write_bytes(path, buf, n);
    expect(&tiny_rate, path);

    /* A 4 GiB chunk before the data: the file ends long before. */
    const bad_case huge_chunk = {"huge chunk", AURIS_ECORRUPT, "cannot decode", 1, AURIS_ECORRUPT};
    snprintf(path, sizeof path, "%s/bad-huge-chunk.wav", dir);
    n = make_wav(buf, 1, 1, 16000, 16, 1000, pcm, 1000);
    memmove(buf + 44, buf + 36, n - 36);
    memcpy(buf + 36, "LIST", 4);
    put32(buf + 40, 0xFFFFFFF0u);
    write_bytes(path, buf, n + 8);
    expect(&huge_chunk, path);

    /* 7-bit samples: libsndfile reads them as 8-bit; the stream decoder refuses them. */
    snprintf(path, sizeof path, "%s/bad-bits.wav", dir);
    n = make_wav(buf, 1, 1, 16000, 7, 1000, pcm, 1000);
    put16(buf + 32, 1);
    write_bytes(path, buf, n);
    {
        auris_error serr = {0};
        auris_status st = stream_all(path, &serr);
        CHECK_MSG(st == AURIS_EUNSUPPORTED && strstr(serr.message, "bits"), "7-bit stream: %d %s",
                  st, serr.message);
    }

    const bad_case missing = {"missing", AURIS_EIO, "cannot open", 0, 0};
    snprintf(path, sizeof path, "%s/does-not-exist.wav", dir);
    expect(&missing, path);

    const bad_case directory = {"directory", AURIS_EIO, "directory", 0, 0};
    snprintf(path, sizeof path, "%s", dir);
    expect(&directory, path);

    /* Truncated FLAC: made by libsndfile's writer through a valid WAV, then cut. */
    snprintf(path, sizeof path, "%s/bad-truncated.flac", dir);
    {
        float tone[16000];
        for (int i = 0; i < 16000; i++)
            tone[i] = 0.3f * (float)sin(i * 0.07) + 0.1f * (float)sin(i * 0.31);
        char full[512];
        snprintf(full, sizeof full, "%s/whole.wav", dir);
        auris_wav_writer *w = NULL;
        CHECK_OK(auris_wav_writer_open(full, 16000, 1, AURIS_WAV_PCM16, &w, NULL));
        auris_wav_writer_write(w, tone, 16000);
        CHECK_OK(auris_wav_writer_close(w, NULL));
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "sox '%s' '%s.full.flac' && head -c 5000 '%s.full.flac' > '%s'",
                 full, path, path, path);
        if (system(cmd) == 0) {
            const bad_case tflac = {"truncated flac", AURIS_ECORRUPT, "truncated", 0, 0};
            expect(&tflac, path);
        } else {
            printf("sox not available: truncated FLAC case not run\n");
        }
    }
    return test_finish("audio/bad_input");
}
