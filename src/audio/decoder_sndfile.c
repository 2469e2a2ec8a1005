/* The libsndfile backend: WAV (PCM, float, extensible, and the codecs libsndfile knows),
 * FLAC, Ogg Vorbis, Opus and MP3, from a path, an open FILE or memory. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sndfile.h>

#include "audio/decoder.h"
#include "audio/wav_header.h"
#include "core/error.h"

typedef struct memory_io {
    const unsigned char *data;
    sf_count_t size;
    sf_count_t pos;
} memory_io;

typedef struct sndfile_decoder {
    auris_decoder base;
    SNDFILE *sf;
    FILE *owned;        /* spooled stdin, closed with the decoder */
    memory_io mem;
    long long frames_read;
} sndfile_decoder;

static sf_count_t mem_len(void *user) { return ((memory_io *)user)->size; }

static sf_count_t mem_seek(sf_count_t off, int whence, void *user)
{
    memory_io *m = user;
    sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->size;
    sf_count_t p = base + off;
    if (p < 0)
        p = 0;
    if (p > m->size)
        p = m->size;
    m->pos = p;
    return p;
}

static sf_count_t mem_read(void *ptr, sf_count_t count, void *user)
{
    memory_io *m = user;
    if (count < 0)
        return 0;
    sf_count_t n = m->size - m->pos < count ? m->size - m->pos : count;
    memcpy(ptr, m->data + m->pos, (size_t)n);
    m->pos += n;
    return n;
}

static sf_count_t mem_write(const void *ptr, sf_count_t count, void *user)
{
    (void)ptr; (void)count; (void)user;
    return 0;
}

static sf_count_t mem_tell(void *user) { return ((memory_io *)user)->pos; }

static void format_names(int format, auris_audio_info *info)
{
    static const struct { int id; const char *name; } major[] = {
        {SF_FORMAT_WAV, "WAV"}, {SF_FORMAT_WAVEX, "WAV"}, {SF_FORMAT_RF64, "RF64"},
        {SF_FORMAT_W64, "W64"}, {SF_FORMAT_FLAC, "FLAC"}, {SF_FORMAT_OGG, "OGG"},
        {SF_FORMAT_MPEG, "MP3"}, {SF_FORMAT_AIFF, "AIFF"}, {SF_FORMAT_AU, "AU"},
        {SF_FORMAT_CAF, "CAF"},
    };
    static const struct { int id; const char *name; } sub[] = {
        {SF_FORMAT_PCM_S8, "PCM_S8"}, {SF_FORMAT_PCM_U8, "PCM_U8"}, {SF_FORMAT_PCM_16, "PCM_16"},
        {SF_FORMAT_PCM_24, "PCM_24"}, {SF_FORMAT_PCM_32, "PCM_32"}, {SF_FORMAT_FLOAT, "FLOAT"},
        {SF_FORMAT_DOUBLE, "DOUBLE"}, {SF_FORMAT_ULAW, "ULAW"}, {SF_FORMAT_ALAW, "ALAW"},
        {SF_FORMAT_IMA_ADPCM, "IMA_ADPCM"}, {SF_FORMAT_MS_ADPCM, "MS_ADPCM"},
        {SF_FORMAT_GSM610, "GSM610"}, {SF_FORMAT_VORBIS, "VORBIS"}, {SF_FORMAT_OPUS, "OPUS"},
        {SF_FORMAT_MPEG_LAYER_I, "MPEG_LAYER_I"}, {SF_FORMAT_MPEG_LAYER_II, "MPEG_LAYER_II"},
        {SF_FORMAT_MPEG_LAYER_III, "MPEG_LAYER_III"},
    };
    snprintf(info->format, sizeof info->format, "UNKNOWN");
    snprintf(info->codec, sizeof info->codec, "UNKNOWN");
    for (size_t i = 0; i < sizeof major / sizeof major[0]; i++)
        if ((format & SF_FORMAT_TYPEMASK) == major[i].id)
            snprintf(info->format, sizeof info->format, "%s", major[i].name);
    for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++)
        if ((format & SF_FORMAT_SUBMASK) == sub[i].id)
            snprintf(info->codec, sizeof info->codec, "%s", sub[i].name);
}

static auris_status sndfile_read(auris_decoder *d, float *buf, size_t n, size_t *got,
                                 auris_error *err)
{
    sndfile_decoder *s = (sndfile_decoder *)d;
    sf_count_t r = sf_readf_float(s->sf, buf, (sf_count_t)n);
    *got = r > 0 ? (size_t)r : 0;
    s->frames_read += (long long)*got;
    if (r <= 0 && sf_error(s->sf) != SF_ERR_NO_ERROR)
        return auris_fail(err, AURIS_ECORRUPT, "%s: corrupt or truncated %s data at %.2f s: %s",
                          d->name, d->info.format,
                          (double)s->frames_read / d->info.sample_rate_hz, sf_strerror(s->sf));
    /* FLAC and WAV state their exact length; MP3's is an estimate. */
    if (r <= 0 && strcmp(d->info.format, "MP3") != 0 && d->info.frames > 0 &&
        s->frames_read < d->info.frames)
        return auris_fail(err, AURIS_ECORRUPT, "%s: truncated %s: audio ends at %.2f s of %.2f s",
                          d->name, d->info.format,
                          (double)s->frames_read / d->info.sample_rate_hz, d->info.duration_s);
    return AURIS_OK;
}

static void sndfile_close(auris_decoder *d)
{
    sndfile_decoder *s = (sndfile_decoder *)d;
    if (s->sf)
        sf_close(s->sf);
    if (s->owned)
        fclose(s->owned);
    free(s);
}

static const auris_decoder_ops sndfile_ops = {sndfile_read, sndfile_close};

/* Checks a WAV header's values before libsndfile sees them: absurd rates or channel counts
 * get auris's own message, and a header that declares more data than the file holds is
 * truncation (libsndfile would quietly shorten it), since the rest of the recording is
 * missing. Other formats pass through. */
static auris_status check_wav_header(const unsigned char *head, size_t head_len,
                                     uint64_t file_size, const char *name, auris_error *err)
{
    wav_header h;
    if (wav_header_parse(head, head_len, &h, NULL) != WAV_PARSE_OK)
        return AURIS_OK;
    auris_audio_info info = {.sample_rate_hz = h.sample_rate_hz, .channels = h.channels};
    auris_status st = auris_decoder_check_info(&info, name, err);
    if (st != AURIS_OK || h.data_size == UINT64_MAX)
        return st;
    if (h.data_offset + h.data_size <= file_size)
        return AURIS_OK;
    uint64_t present = file_size > h.data_offset ? file_size - h.data_offset : 0;
    double bps = (double)h.block_align * h.sample_rate_hz;
    return auris_fail(err, AURIS_ECORRUPT,
                      "%s: truncated WAV: the header declares %.2f s of audio, the file holds %.2f s",
                      name, (double)h.data_size / bps, (double)present / bps);
}

static auris_status finish_open(sndfile_decoder *s, SF_INFO *si, const char *name,
                                auris_decoder **out, auris_error *err)
{
    snprintf(s->base.name, sizeof s->base.name, "%s", name);
    s->base.ops = &sndfile_ops;
    format_names(si->format, &s->base.info);
    s->base.info.sample_rate_hz = si->samplerate;
    s->base.info.channels = si->channels;
    s->base.info.frames = si->frames;
    s->base.info.duration_s = si->samplerate > 0 ? (double)si->frames / si->samplerate : -1;
    auris_status st = auris_decoder_check_info(&s->base.info, name, err);
    if (st != AURIS_OK) {
        sndfile_close(&s->base);
        return st;
    }
    *out = &s->base;
    return AURIS_OK;
}

static auris_status open_error(SNDFILE *sf, const char *name, auris_error *err)
{
    const char *why = sf_strerror(sf);
    int code = sf_error(sf);
    auris_status st = code == SF_ERR_UNRECOGNISED_FORMAT ? AURIS_EFORMAT : AURIS_ECORRUPT;
    if (strstr(why, "unknown format") || strstr(why, "not supported") || strstr(why, "unsupported"))
        st = AURIS_EFORMAT;
    return auris_fail(err, st, "%s: cannot decode: %s", name, why);
}

auris_status auris_decoder_sndfile_open(const char *path, auris_decoder **out, auris_error *err)
{
    *out = NULL;
    struct stat stt;
    if (stat(path, &stt) != 0)
        return auris_fail(err, AURIS_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(stt.st_mode))
        return auris_fail(err, AURIS_EIO, "%s: is a directory", path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return auris_fail(err, AURIS_EIO, "%s: cannot open: %s", path, strerror(errno));
    return auris_decoder_sndfile_open_file(f, path, out, err);
}

auris_status auris_decoder_sndfile_open_file(FILE *f, const char *name, auris_decoder **out,
                                             auris_error *err)
{
    *out = NULL;
    /* libsndfile reads the descriptor itself: look at the head with pread so that neither
     * stdio's buffer nor the descriptor's offset moves. */
    int fd = fileno(f);
    struct stat stt;
    if (fstat(fd, &stt) != 0) {
        fclose(f);
        return auris_fail(err, AURIS_EIO, "%s: cannot read: %s", name, strerror(errno));
    }
    if (stt.st_size == 0) {
        fclose(f);
        return auris_fail(err, AURIS_EEMPTY, "%s: empty file", name);
    }
    unsigned char head[65536];
    ssize_t head_len = pread(fd, head, sizeof head, 0);
    if (head_len < 0) {
        fclose(f);
        return auris_fail(err, AURIS_EIO, "%s: cannot read: %s", name, strerror(errno));
    }
    auris_status st = check_wav_header(head, (size_t)head_len, (uint64_t)stt.st_size, name, err);
    if (st != AURIS_OK) {
        fclose(f);
        return st;
    }
    sndfile_decoder *s = calloc(1, sizeof *s);
    if (!s) {
        fclose(f);
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", name);
    }
    SF_INFO si = {0};
    s->owned = f;
    s->sf = sf_open_fd(fileno(f), SFM_READ, &si, 0);
    if (!s->sf) {
        st = open_error(NULL, name, err);
        sndfile_close(&s->base);
        return st;
    }
    return finish_open(s, &si, name, out, err);
}

auris_status auris_decoder_sndfile_open_memory(const void *data, size_t size, const char *name,
                                               auris_decoder **out, auris_error *err)
{
    *out = NULL;
    if (size == 0)
        return auris_fail(err, AURIS_EEMPTY, "%s: empty file", name);
    auris_status st = check_wav_header(data, size, size, name, err);
    if (st != AURIS_OK)
        return st;
    sndfile_decoder *s = calloc(1, sizeof *s);
    if (!s)
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", name);
    s->mem.data = data;
    s->mem.size = (sf_count_t)size;
    SF_VIRTUAL_IO vio = {mem_len, mem_seek, mem_read, mem_write, mem_tell};
    SF_INFO si = {0};
    s->sf = sf_open_virtual(&vio, SFM_READ, &si, &s->mem);
    if (!s->sf) {
        st = open_error(NULL, name, err);
        sndfile_close(&s->base);
        return st;
    }
    return finish_open(s, &si, name, out, err);
}

auris_status auris_decoder_check_info(const auris_audio_info *info, const char *name,
                                      auris_error *err)
{
    if (info->channels < 1 || info->channels > AURIS_MAX_CHANNELS)
        return auris_fail(err, AURIS_ERANGE, "%s: %d channels (auris reads 1 to %d)", name,
                          info->channels, AURIS_MAX_CHANNELS);
    if (info->sample_rate_hz < AURIS_MIN_SAMPLE_RATE_HZ || info->sample_rate_hz > AURIS_MAX_SAMPLE_RATE_HZ)
        return auris_fail(err, AURIS_ERANGE, "%s: sample rate %d Hz (auris reads %d to %d Hz)",
                          name, info->sample_rate_hz, AURIS_MIN_SAMPLE_RATE_HZ,
                          AURIS_MAX_SAMPLE_RATE_HZ);
    return AURIS_OK;
}
