/* Word error rate: normalisation (case, punctuation, numbers as words) and alignment
 * counts, checked against hand-worked examples. */
#include "auris/asr.h"
#include "test.h"

static void check_norm(const char *in, const char *want)
{
    char out[512];
    CHECK_OK(auris_wer_normalize(in, out, sizeof out));
    CHECK_MSG(!strcmp(out, want), "'%s' -> '%s', want '%s'", in, out, want);
}

static void check_counts(const char *ref, const char *hyp, long n, long s, long d, long i)
{
    auris_wer_counts c = {0};
    CHECK_OK(auris_wer_align(ref, hyp, &c));
    CHECK_MSG(c.ref_words == n && c.substitutions == s && c.deletions == d &&
                  c.insertions == i,
              "'%s' vs '%s': N %ld S %ld D %ld I %ld, want %ld %ld %ld %ld", ref, hyp,
              c.ref_words, c.substitutions, c.deletions, c.insertions, n, s, d, i);
}

static void test_normalize(void)
{
    check_norm("Hello, World!", "hello world");
    check_norm("  Printing,  in the ONLY sense; ", "printing in the only sense");
    check_norm("42", "forty two");
    check_norm("the 42 lines", "the forty two lines");
    check_norm("0", "zero");
    check_norm("100", "one hundred");
    check_norm("1,000,001", "one million one");
    check_norm("2024 is not a year here", "two thousand twenty four is not a year here");
    check_norm("about 1455,", "about fourteen fifty five");
    check_norm("in 1905", "in nineteen oh five");
    check_norm("in 1900", "in nineteen hundred");
    check_norm("3.5 kg", "three point five kg");
    check_norm("the 2nd and 21st", "the second and twenty first");
    check_norm("the 12th, 40th", "the twelfth fortieth");
    check_norm("007", "zero zero seven");
    check_norm("forty-two line Bible", "forty two line bible");
    check_norm("don't 'quote' it's", "don't quote it's");
    check_norm("Mr. Dashwood and Mrs. Smith, Dr. Who", "mister dashwood and missus smith doctor who");
    check_norm("", "");
    check_norm("?!.,", "");

    char small[8];
    CHECK(auris_wer_normalize("a long sentence", small, sizeof small) == AURIS_ERANGE);
}

static void test_align(void)
{
    check_counts("a b c", "a b c", 3, 0, 0, 0);
    check_counts("a b c", "a x c", 3, 1, 0, 0);
    check_counts("a b c", "a c", 3, 0, 1, 0);
    check_counts("a b c", "a b c d", 3, 0, 0, 1);
    check_counts("a b c", "", 3, 0, 3, 0);
    check_counts("", "a b", 0, 0, 0, 2);
    /* The test-lm.match output of PocketSphinx for librivox 0880. */
    check_counts("he was not an ill disposed young man", "he was not an illness those young man",
                 8, 2, 0, 0);
    check_counts("he might even have been made amiable himself",
                 "he might even have been made the amiable itself", 8, 1, 0, 1);

    auris_wer_counts c = {0};
    CHECK_OK(auris_wer_align("one two three four", "one too three", &c));
    CHECK_NEAR(auris_wer_rate(&c), 0.5, 1e-12);
    auris_wer_counts none = {0};
    CHECK_NEAR(auris_wer_rate(&none), 0.0, 0);
    none.insertions = 1;
    CHECK_NEAR(auris_wer_rate(&none), 1.0, 0);
}

int main(void)
{
    test_normalize();
    test_align();
    return test_finish("asr/wer");
}
