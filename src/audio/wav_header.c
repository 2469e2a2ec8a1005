#include "audio/wav_header.h"

#include <string.h>

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32);
}

static wav_parse_result fail(const char **why, const char *reason, wav_parse_result r)
{
    if (why)
        *why = reason;
    return r;
}

static wav_parse_result parse_fmt(const unsigned char *p, uint32_t size, wav_header *h,
                                  const char **why)
{
    if (size < 16)
        return fail(why, "fmt chunk shorter than 16 bytes", WAV_PARSE_CORRUPT);
    unsigned tag = le16(p);
    h->channels = le16(p + 2);
    h->sample_rate_hz = (int)(le32(p + 4) > 0x7fffffff ? 0x7fffffff : le32(p + 4));
    h->block_align = le16(p + 12);
    h->bits = le16(p + 14);
    if (tag == 0xFFFE) {
        if (size < 40)
            return fail(why, "WAVE_FORMAT_EXTENSIBLE fmt chunk shorter than 40 bytes", WAV_PARSE_CORRUPT);
        h->extensible = 1;
        tag = le16(p + 24);
    }
    if (tag == 1)
        h->kind = WAV_PCM_INT;
    else if (tag == 3)
        h->kind = WAV_PCM_FLOAT;
    else
        return fail(why, "compressed WAV codec", WAV_PARSE_UNSUPPORTED);
    if (h->channels == 0)
        return fail(why, "zero channels", WAV_PARSE_CORRUPT);
    if (h->sample_rate_hz == 0)
        return fail(why, "zero sample rate", WAV_PARSE_CORRUPT);
    int ok_bits = h->kind == WAV_PCM_INT
        ? (h->bits == 8 || h->bits == 16 || h->bits == 24 || h->bits == 32)
        : (h->bits == 32 || h->bits == 64);
    if (!ok_bits)
        return fail(why, "unsupported bits per sample", WAV_PARSE_UNSUPPORTED);
    if (h->block_align != h->channels * (h->bits / 8))
        return fail(why, "block align does not match channels and bits", WAV_PARSE_CORRUPT);
    return WAV_PARSE_OK;
}

wav_parse_result wav_header_parse(const unsigned char *buf, size_t len, wav_header *h,
                                  const char **why)
{
    memset(h, 0, sizeof *h);
    if (len < 12)
        return len >= 4 && memcmp(buf, "RIFF", 4) && memcmp(buf, "RF64", 4)
            ? fail(why, "not RIFF", WAV_PARSE_NOT_WAV) : WAV_PARSE_NEED_MORE;
    int rf64 = !memcmp(buf, "RF64", 4);
    if ((!rf64 && memcmp(buf, "RIFF", 4)) || memcmp(buf + 8, "WAVE", 4))
        return fail(why, "not RIFF/WAVE", WAV_PARSE_NOT_WAV);
    uint64_t rf64_data_size = UINT64_MAX;
    int have_fmt = 0;
    size_t pos = 12;
    for (;;) {
        if (len - pos < 8)
            return WAV_PARSE_NEED_MORE;
        const unsigned char *c = buf + pos;
        uint32_t size = le32(c + 4);
        if (!memcmp(c, "data", 4)) {
            if (!have_fmt)
                return fail(why, "data chunk before fmt chunk", WAV_PARSE_CORRUPT);
            h->data_offset = pos + 8;
            if (rf64 && size == 0xFFFFFFFFu)
                h->data_size = rf64_data_size;
            else
                h->data_size = (size == 0xFFFFFFFFu || size == 0) ? UINT64_MAX : size;
            return WAV_PARSE_OK;
        }
        /* Every other chunk must be complete in the buffer before it is looked at. */
        uint64_t next = (uint64_t)pos + 8 + size + (size & 1);
        if (next > len)
            return WAV_PARSE_NEED_MORE;
        if (!memcmp(c, "fmt ", 4)) {
            wav_parse_result r = parse_fmt(c + 8, size, h, why);
            if (r != WAV_PARSE_OK)
                return r;
            have_fmt = 1;
        } else if (rf64 && !memcmp(c, "ds64", 4)) {
            if (size < 24)
                return fail(why, "ds64 chunk shorter than 24 bytes", WAV_PARSE_CORRUPT);
            rf64_data_size = le64(c + 16);
        }
        pos = (size_t)next;
    }
}
