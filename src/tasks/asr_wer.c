/* Word error rate: the usual normalisation (case, punctuation, numbers as words) and a
 * Levenshtein alignment counting substitutions, deletions and insertions. */
#include "auris/asr.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* Longer digit strings are read digit by digit rather than as one cardinal. */
#define WER_MAX_CARDINAL_DIGITS 15

typedef struct writer {
    char *out;
    size_t cap, len;
    int overflow;
} writer;

static void put_word(writer *w, const char *word, size_t n)
{
    if (!n)
        return;
    size_t need = w->len + (w->len ? 1 : 0) + n + 1;
    if (need > w->cap) {
        w->overflow = 1;
        return;
    }
    if (w->len)
        w->out[w->len++] = ' ';
    memcpy(w->out + w->len, word, n);
    w->len += n;
    w->out[w->len] = '\0';
}

static void put(writer *w, const char *word)
{
    put_word(w, word, strlen(word));
}

static const char *const ones[] = {"zero", "one", "two", "three", "four", "five", "six",
                                   "seven", "eight", "nine", "ten", "eleven", "twelve",
                                   "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                                   "eighteen", "nineteen"};
static const char *const tens[] = {"", "", "twenty", "thirty", "forty", "fifty", "sixty",
                                   "seventy", "eighty", "ninety"};

static void below_thousand(writer *w, unsigned v)
{
    if (v >= 100) {
        put(w, ones[v / 100]);
        put(w, "hundred");
        v %= 100;
        if (!v)
            return;
    }
    if (v >= 20) {
        put(w, tens[v / 10]);
        if (v % 10)
            put(w, ones[v % 10]);
    } else {
        put(w, ones[v]);
    }
}

static void cardinal(writer *w, unsigned long long v)
{
    static const char *const scales[] = {"", "thousand", "million", "billion", "trillion"};
    if (v == 0) {
        put(w, "zero");
        return;
    }
    unsigned groups[5] = {0};
    int n = 0;
    while (v && n < 5) {
        groups[n++] = (unsigned)(v % 1000);
        v /= 1000;
    }
    for (int i = n - 1; i >= 0; i--) {
        if (!groups[i])
            continue;
        below_thousand(w, groups[i]);
        if (i)
            put(w, scales[i]);
    }
}

/* 1455 -> "fourteen fifty five", 1905 -> "nineteen oh five", 1900 -> "nineteen hundred". */
static void year(writer *w, unsigned v)
{
    below_thousand(w, v / 100);
    unsigned rest = v % 100;
    if (!rest) {
        put(w, "hundred");
    } else if (rest < 10) {
        put(w, "oh");
        put(w, ones[rest]);
    } else {
        below_thousand(w, rest);
    }
}

static void digits_one_by_one(writer *w, const char *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(w, ones[d[i] - '0']);
}

/* Turns the last word written into its ordinal ("twenty one" -> "twenty first"). */
static void make_ordinal(writer *w)
{
    static const char *const irregular[][2] = {{"one", "first"},  {"two", "second"},
                                               {"three", "third"}, {"five", "fifth"},
                                               {"eight", "eighth"}, {"nine", "ninth"},
                                               {"twelve", "twelfth"}};
    char *last = strrchr(w->out, ' ');
    last = last ? last + 1 : w->out;
    size_t start = (size_t)(last - w->out);
    char word[32];
    snprintf(word, sizeof word, "%s", last);
    w->len = start ? start - 1 : 0;
    w->out[w->len] = '\0';
    for (size_t i = 0; i < sizeof irregular / sizeof irregular[0]; i++)
        if (!strcmp(word, irregular[i][0])) {
            put(w, irregular[i][1]);
            return;
        }
    size_t n = strlen(word);
    char buf[40];
    if (n && word[n - 1] == 'y')
        snprintf(buf, sizeof buf, "%.*sieth", (int)(n - 1), word);
    else
        snprintf(buf, sizeof buf, "%sth", word);
    put(w, buf);
}

/* A number token: digits with optional thousands commas, a decimal part and an ordinal
 * suffix. Returns the bytes consumed. */
static size_t number(writer *w, const char *s)
{
    char digits[64];
    size_t nd = 0, i = 0;
    int had_comma = 0;
    while (isdigit((unsigned char)s[i]) ||
           (s[i] == ',' && i && isdigit((unsigned char)s[i + 1]) &&
            isdigit((unsigned char)s[i + 2]) && isdigit((unsigned char)s[i + 3]) &&
            !isdigit((unsigned char)s[i + 4]))) {
        if (s[i] == ',')
            had_comma = 1;
        else if (nd < sizeof digits)
            digits[nd++] = s[i];
        i++;
    }
    if (nd > WER_MAX_CARDINAL_DIGITS || (nd > 1 && digits[0] == '0')) {
        digits_one_by_one(w, digits, nd);
    } else {
        unsigned long long v = 0;
        for (size_t k = 0; k < nd; k++)
            v = v * 10 + (unsigned)(digits[k] - '0');
        int is_year = nd == 4 && !had_comma && v >= 1100 && v <= 1999 && s[i] != '.';
        if (is_year)
            year(w, (unsigned)v);
        else
            cardinal(w, v);
    }
    if (s[i] == '.' && isdigit((unsigned char)s[i + 1])) {
        put(w, "point");
        i++;
        size_t start = i;
        while (isdigit((unsigned char)s[i]))
            i++;
        digits_one_by_one(w, s + start, i - start);
    } else {
        static const char *const suffixes[] = {"st", "nd", "rd", "th"};
        for (size_t k = 0; k < 4; k++)
            if (tolower((unsigned char)s[i]) == suffixes[k][0] &&
                tolower((unsigned char)s[i + 1]) == suffixes[k][1] &&
                !isalnum((unsigned char)s[i + 2])) {
                make_ordinal(w);
                i += 2;
                break;
            }
    }
    return i;
}

static int word_byte(unsigned char c)
{
    return isalpha(c) || c >= 0x80;
}

static void put_normal_word(writer *w, char *word, size_t n)
{
    static const char *const abbrev[][2] = {{"mr", "mister"}, {"mrs", "missus"},
                                            {"dr", "doctor"}};
    while (n && word[n - 1] == '\'')
        n--;
    for (size_t i = 0; i < sizeof abbrev / sizeof abbrev[0]; i++)
        if (strlen(abbrev[i][0]) == n && !memcmp(word, abbrev[i][0], n)) {
            put(w, abbrev[i][1]);
            return;
        }
    put_word(w, word, n);
}

auris_status auris_wer_normalize(const char *text, char *out, size_t cap)
{
    if (!text || !out || !cap)
        return AURIS_EINVAL;
    writer w = {out, cap, 0, 0};
    out[0] = '\0';
    char word[256];
    size_t i = 0;
    while (text[i]) {
        unsigned char c = (unsigned char)text[i];
        if (isdigit(c)) {
            i += number(&w, text + i);
        } else if (word_byte(c)) {
            size_t n = 0;
            while (word_byte((unsigned char)text[i]) ||
                   (text[i] == '\'' && word_byte((unsigned char)text[i + 1]))) {
                if (n < sizeof word)
                    word[n++] = (char)tolower((unsigned char)text[i]);
                i++;
            }
            put_normal_word(&w, word, n);
        } else {
            i++;
        }
    }
    return w.overflow ? AURIS_ERANGE : AURIS_OK;
}

/* Splits s (modified) into words; returns the count, or -1 without memory. */
static long split(char *s, char ***words)
{
    long n = 0, cap = 16;
    char **v = malloc((size_t)cap * sizeof *v);
    if (!v)
        return -1;
    char *save = NULL;
    for (char *t = strtok_r(s, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
        if (n == cap) {
            char **q = realloc(v, (size_t)(cap *= 2) * sizeof *v);
            if (!q) {
                free(v);
                return -1;
            }
            v = q;
        }
        v[n++] = t;
    }
    *words = v;
    return n;
}

typedef struct cell {
    long cost;
    long sub, del, ins;
} cell;

/* Full dynamic programme with counts carried along, ties broken towards fewer edits of
 * any kind in the order substitution, deletion, insertion (as sclite reports them). */
static void align(char **r, long nr, char **h, long nh, cell *prev, cell *cur,
                  auris_wer_counts *acc)
{
    for (long j = 0; j <= nh; j++)
        prev[j] = (cell){j, 0, 0, j};
    for (long i = 1; i <= nr; i++) {
        cur[0] = (cell){i, 0, i, 0};
        for (long j = 1; j <= nh; j++) {
            int same = !strcmp(r[i - 1], h[j - 1]);
            cell best = prev[j - 1];
            best.cost += !same;
            best.sub += !same;
            cell del = prev[j];
            del.cost++;
            del.del++;
            cell ins = cur[j - 1];
            ins.cost++;
            ins.ins++;
            if (del.cost < best.cost)
                best = del;
            if (ins.cost < best.cost)
                best = ins;
            cur[j] = best;
        }
        cell *t = prev;
        prev = cur;
        cur = t;
    }
    acc->ref_words += nr;
    acc->substitutions += prev[nh].sub;
    acc->deletions += prev[nh].del;
    acc->insertions += prev[nh].ins;
}

auris_status auris_wer_align(const char *ref, const char *hyp, auris_wer_counts *acc)
{
    if (!ref || !hyp || !acc)
        return AURIS_EINVAL;
    char *rc = strdup(ref), *hc = strdup(hyp);
    char **r = NULL, **h = NULL;
    cell *rows = NULL;
    auris_status st = AURIS_ENOMEM;
    long nr = rc ? split(rc, &r) : -1;
    long nh = hc ? split(hc, &h) : -1;
    if (nr >= 0 && nh >= 0 && (rows = malloc(2 * (size_t)(nh + 1) * sizeof *rows))) {
        align(r, nr, h, nh, rows, rows + nh + 1, acc);
        st = AURIS_OK;
    }
    free(rows);
    if (nr >= 0)
        free(r);
    if (nh >= 0)
        free(h);
    free(rc);
    free(hc);
    return st;
}

double auris_wer_rate(const auris_wer_counts *c)
{
    long errors = c->substitutions + c->deletions + c->insertions;
    if (c->ref_words <= 0)
        return errors ? 1.0 : 0.0;
    return (double)errors / (double)c->ref_words;
}
