/* Unit tests of the text layer: decoding, line normalisation, tidying, UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "xuke/text.h"

static char *decode(const char *bytes, size_t len, xk_encoding *enc, xk_status *st)
{
    char *out = NULL;
    size_t out_len;
    xk_error err;
    *st = xk_text_decode(bytes, len, &out, &out_len, enc, &err);
    return out;
}

static void test_utf8_passes_through(void **state)
{
    (void)state;
    xk_encoding enc;
    xk_status st;
    char *s = decode("许可证", strlen("许可证"), &enc, &st);
    assert_int_equal(st, XK_OK);
    assert_int_equal(enc, XK_ENC_UTF8);
    assert_string_equal(s, "许可证");
    free(s);
}

static void test_utf8_bom_is_stripped(void **state)
{
    (void)state;
    xk_encoding enc;
    xk_status st;
    char *s = decode("\xEF\xBB\xBF许可", 9, &enc, &st);
    assert_int_equal(st, XK_OK);
    assert_int_equal(enc, XK_ENC_UTF8_BOM);
    assert_string_equal(s, "许可");
    free(s);
}

static void test_gb18030_is_converted(void **state)
{
    (void)state;
    /* 许可 in GBK/GB18030 */
    xk_encoding enc;
    xk_status st;
    char *s = decode("\xD0\xED\xBF\xC9", 4, &enc, &st);
    assert_int_equal(st, XK_OK);
    assert_int_equal(enc, XK_ENC_GB18030);
    assert_string_equal(s, "许可");
    free(s);
}

static void test_utf16_with_bom_is_converted(void **state)
{
    (void)state;
    xk_encoding enc;
    xk_status st;
    char *s = decode("\xFF\xFE\x38\x8BO\x00", 6, &enc, &st); /* U+8B38 'O' */
    assert_int_equal(st, XK_OK);
    assert_int_equal(enc, XK_ENC_UTF16);
    assert_string_equal(s, "\xE8\xAC\xB8O");
    free(s);
}

static void test_nul_byte_is_binary_with_line(void **state)
{
    (void)state;
    char *out;
    size_t len;
    xk_encoding enc;
    xk_error err;
    xk_status st = xk_text_decode("a\nb\n\x00z", 6, &out, &len, &enc, &err);
    assert_int_equal(st, XK_EBINARY);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.message, "offset 4"));
}

static void test_invalid_in_both_encodings_is_refused(void **state)
{
    (void)state;
    char *out;
    size_t len;
    xk_encoding enc;
    xk_error err;
    assert_int_equal(xk_text_decode("ab\x80", 3, &out, &len, &enc, &err), XK_EENCODING);
}

static void test_lines_split_crlf_cr_and_formfeed(void **state)
{
    (void)state;
    xk_lines lines;
    const char *t = "a\r\nb\rc\fd\ne";
    assert_int_equal(xk_lines_split(t, strlen(t), &lines, NULL), XK_OK);
    assert_int_equal(lines.n, 5);
    assert_string_equal(lines.lines[2].text, "c");
    assert_int_equal(lines.lines[3].lineno, 3); /* form feed splits without a new line number */
    assert_int_equal(lines.lines[4].lineno, 4);
    xk_lines_free(&lines);
}

static void test_lines_nfkc_fullwidth_and_ideographic_space(void **state)
{
    (void)state;
    xk_lines lines;
    const char *t = "经营许可证编号：\u3000琼Ｂ２－２０２２０２９３  ";
    assert_int_equal(xk_lines_split(t, strlen(t), &lines, NULL), XK_OK);
    assert_string_equal(lines.lines[0].text, "经营许可证编号: 琼B2-20220293");
    assert_string_equal(lines.lines[0].compact, "经营许可证编号:琼B2-20220293");
    xk_lines_free(&lines);
}

static void test_lines_drop_zero_width_characters(void **state)
{
    (void)state;
    xk_lines lines;
    const char *t = "公\u200b司\ufeff名称";
    assert_int_equal(xk_lines_split(t, strlen(t), &lines, NULL), XK_OK);
    assert_string_equal(lines.lines[0].text, "公司名称");
    xk_lines_free(&lines);
}

static void assert_tidy(const char *in, const char *want)
{
    char *got = xk_text_tidy(in, strlen(in));
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_tidy_removes_ocr_spaces_between_chinese(void **state)
{
    (void)state;
    assert_tidy("管理人 员", "管理人员");
    assert_tidy("在处置后的 10 个工作日内", "在处置后的10个工作日内");
}

static void test_tidy_makes_chinese_punctuation_fullwidth(void **state)
{
    (void)state;
    assert_tidy("标准, 具备措施; 下列规定:", "标准，具备措施；下列规定：");
    assert_tidy("好美信息技术(北京)有限公司", "好美信息技术（北京）有限公司");
    assert_tidy("(七) 你公司", "（七）你公司");
}

/* Text on either side of the size tidied without allocating its working memory (a long
 * provision, a pasted page) comes out under the same rules. */
static void test_tidy_long_and_short_text_alike(void **state)
{
    (void)state;
    const char *piece = "管理人 员, 标准 (北京) ";
    const char *tidied = "管理人员，标准（北京）";
    for (size_t copies = 1; copies <= 200; copies *= 3) {
        xk_buf in, want;
        xk_buf_init(&in);
        xk_buf_init(&want);
        for (size_t k = 0; k < copies; k++) {
            xk_buf_puts(&in, piece);
            xk_buf_puts(&want, tidied);
        }
        assert_tidy(in.data, want.data);
        xk_buf_free(&in);
        xk_buf_free(&want);
    }
}

static void test_tidy_leaves_ascii_text_alone(void **state)
{
    (void)state;
    assert_tidy("Example Co., Ltd. (Beijing)", "Example Co., Ltd. (Beijing)");
    assert_tidy("  a   b  ", "a b");
}

static void assert_tidy_lines(const char *in, const char *want)
{
    char *got = xk_text_tidy_lines(in, strlen(in));
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_tidy_lines_widens_punctuation_in_chinese_text(void **state)
{
    (void)state;
    assert_tidy_lines("好美信息技术(北京)有限公司", "好美信息技术（北京）有限公司");
    assert_tidy_lines("标准, 具备措施; 下列规定:", "标准，具备措施；下列规定：");
    assert_tidy_lines("(七) 你公司", "（七）你公司");
    assert_tidy_lines("管理人 员", "管理人员");
    assert_tidy_lines("Example Co., Ltd. (Beijing)", "Example Co., Ltd. (Beijing)");
    assert_tidy_lines("(ICP)证", "（ICP）证");
    assert_tidy_lines("a (b", "a (b");
}

/* Pieces of licence text, some of them white space and punctuation in every form. */
static const char *const tidy_pieces[] = {
    "你公司", "应当", "管理人", "员", ",", "，", ":", "：", ";", "!", "?", "(", ")", "（", "）",
    " ", "  ", "\t", "\xE3\x80\x80", "\n", "\r\n", "、", "《", "》", "“", "”", "ICP", "Co.",
    "10", "a", "é", "—", "…", "·", "〔", "〕", "\xEF\xBC\x8C", "Ｂ２", "㐀", "〇", "\xE2\x80\x8B",
};

/* xk_text_tidy_lines is xk_text_tidy without its collapsing pass: on what the line splitter
 * writes, a line's text or several joined, both give the same, whatever mix of pieces. */
static void test_tidy_lines_matches_tidy_on_split_lines(void **state)
{
    (void)state;
    uint64_t seed = 12345;
    size_t npieces = sizeof tidy_pieces / sizeof tidy_pieces[0];
    for (int doc = 0; doc < 3000; doc++) {
        xk_buf raw, joined;
        xk_buf_init(&raw);
        xk_buf_init(&joined);
        int count = 1 + (int)(seed % 60);
        for (int k = 0; k < count * (doc % 7 == 0 ? 40 : 1); k++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            xk_buf_puts(&raw, tidy_pieces[(seed >> 33) % npieces]);
        }
        xk_lines lines;
        xk_error err;
        assert_int_equal(xk_lines_split(raw.data, raw.len, &lines, &err), XK_OK);
        for (size_t i = 0; i < lines.n; i++) {
            const char *t = lines.lines[i].text;
            char *want = xk_text_tidy(t, strlen(t));
            assert_non_null(want);
            assert_tidy_lines(t, want);
            free(want);
            xk_buf_puts(&joined, t);
        }
        char *want = xk_text_tidy(joined.data ? joined.data : "", joined.len);
        assert_non_null(want);
        assert_tidy_lines(joined.data ? joined.data : "", want);
        free(want);
        xk_lines_free(&lines);
        xk_buf_free(&raw);
        xk_buf_free(&joined);
    }
}

static void test_squeeze_keeps_ascii_word_spaces(void **state)
{
    (void)state;
    char s[] = "信 息 服 务 业 务 (仅 限) Example App";
    xk_text_squeeze(s);
    assert_string_equal(s, "信息服务业务(仅限)Example App");
}

static void test_utf8_scrub_replaces_only_invalid_bytes(void **state)
{
    (void)state;
    char s[] = "ww\xC5" "B\xE6.\xFF京B2\xE4\xBA"; /* a lone lead, a cut 3-byte form, 0xFF */
    assert_int_equal(xk_utf8_scrub(s), 5);
    assert_string_equal(s, "ww?B?.?京B2??");
    char ok[] = "京B2-20224676 网站";
    assert_int_equal(xk_utf8_scrub(ok), 0);
    assert_string_equal(ok, "京B2-20224676 网站");
}

/* "x", one character of w bytes (given as bytes, not computed), "y": cut at every max, the
 * kept length is max where max is a boundary (0, 1, 1 + w, 2 + w) and 1 inside the character. */
static void assert_cuts_around(const char *ch, size_t w)
{
    char s[8];
    s[0] = 'x';
    memcpy(s + 1, ch, w);
    s[1 + w] = 'y';
    size_t len = w + 2;
    for (size_t max = 0; max <= len + 2; max++) {
        size_t want = max >= len ? len : max == 0 ? 0 : max == 1 + w ? 1 + w : 1;
        assert_int_equal(xk_utf8_cut(s, len, max), want);
    }
    /* the text ends inside the character (what snprintf leaves): the character goes */
    for (size_t end = 2; end < 1 + w; end++)
        assert_int_equal(xk_utf8_cut(s, end, end), 1);
}

static void test_utf8_cut_keeps_whole_characters_of_every_width(void **state)
{
    (void)state;
    assert_cuts_around("a", 1);
    assert_cuts_around("\xC3\xA9", 2);         /* é */
    assert_cuts_around("\xE4\xBA\xAC", 3);     /* 京 */
    assert_cuts_around("\xF0\x9F\x98\x80", 4); /* U+1F600 */
    assert_int_equal(xk_utf8_cut("", 0, 10), 0);
    assert_int_equal(xk_utf8_cut("京京", 6, 5), 3);
    assert_int_equal(xk_utf8_cut("京京", 6, 6), 6);
}

static void test_utf8_copy_fits_and_never_splits_a_character(void **state)
{
    (void)state;
    char dst[8];
    /* 中 is 3 bytes: "a中中" is 7, fits 8 with its NUL; "a中中中" (10) keeps "a中中" */
    assert_int_equal(xk_utf8_copy(dst, sizeof dst, "a中中", 7), 7);
    assert_string_equal(dst, "a中中");
    assert_int_equal(xk_utf8_copy(dst, sizeof dst, "a中中中", 10), 7);
    assert_string_equal(dst, "a中中");
    assert_int_equal(xk_utf8_copy(dst, 4, "a中", 4), 1); /* 3 bytes of room: 中 does not fit */
    assert_string_equal(dst, "a");
    assert_int_equal(xk_utf8_copy(dst, 1, "abc", 3), 0);
    assert_string_equal(dst, "");
}

static void test_utf8_cut_counts_invalid_bytes_as_characters(void **state)
{
    (void)state;
    /* stray continuation bytes: each one a character, so cut where asked */
    assert_int_equal(xk_utf8_cut("a\x80\x80\x80\x80" "b", 6, 3), 3);
    assert_int_equal(xk_utf8_cut("\x80\x80", 2, 1), 1);
    /* a lead byte then ASCII, an overlong form, a surrogate: invalid, cut where asked */
    assert_int_equal(xk_utf8_cut("\xE4" "AB", 3, 1), 1);
    assert_int_equal(xk_utf8_cut("\xC0\xAFz", 3, 1), 1);
    assert_int_equal(xk_utf8_cut("\xED\xA0\x80z", 4, 2), 2);
    assert_int_equal(xk_utf8_cut("\xF8\x88\x80\x80\x80", 5, 2), 2); /* no lead of 5 bytes */
    /* a whole 4-byte character followed by a stray continuation byte */
    assert_int_equal(xk_utf8_cut("\xF0\x9F\x98\x80\x80", 5, 4), 4);
    assert_int_equal(xk_utf8_cut("\xF0\x9F\x98\x80\x80", 5, 3), 0);
    /* the input itself ends inside a character: with bytes after max, and without */
    assert_int_equal(xk_utf8_cut("ab\xE4\xBA", 4, 4), 2);
    assert_int_equal(xk_utf8_cut("ab\xE4\xBA", 4, 3), 2);
    assert_int_equal(xk_utf8_cut("ab\xE4", 3, 3), 2);
    assert_int_equal(xk_utf8_cut("ab\xE4\xBAz", 5, 3), 3); /* cut short by z: invalid */
}

static void test_starts_and_ends_with_words(void **state)
{
    (void)state;
    const char *s = "你公司未经批准";
    size_t len = strlen(s), which = 99;
    assert_int_equal(xk_starts_with(s, len, "你公司"), 9);
    assert_int_equal(xk_starts_with(s, 6, "你公司"), 0); /* only s[0..len) is looked at */
    assert_int_equal(xk_starts_with(s, len, ""), 0);
    assert_int_equal(xk_ends_with(s, len, "批准"), 6);
    assert_int_equal(xk_ends_with(s, len - 3, "批准"), 0);
    assert_int_equal(xk_ends_with("准", 3, "批准"), 0);
    static const char *const words[] = {"未经", "你", "你公司"};
    assert_int_equal(xk_starts_with_any(s, len, words, 3, &which), 3); /* the first that fits */
    assert_int_equal(which, 1);
    assert_int_equal(xk_starts_with_any(s, len, words, 1, NULL), 0);
    assert_int_equal(xk_starts_with_any(s + 9, len - 9, words, 3, NULL), 6);
}

static void test_utf8_decoder_rejects_overlong_and_surrogates(void **state)
{
    (void)state;
    unsigned cp;
    assert_int_equal(xk_utf8_decode("\xC0\xAF", 2, &cp), 0);
    assert_int_equal(xk_utf8_decode("\xED\xA0\x80", 3, &cp), 0);
    assert_int_equal(xk_utf8_decode("\xE4\xB8", 2, &cp), 0);
    assert_int_equal(xk_utf8_decode("\xE4\xB8\xAD", 3, &cp), 3);
    assert_int_equal(cp, 0x4E2D);
}

static void test_buf_splice_replaces_a_range(void **state)
{
    (void)state;
    xk_buf b;
    xk_buf_init(&b);
    assert_true(xk_buf_splice(&b, 0, 0, "jyyhd.com", 9)); /* an empty buffer: an append */
    assert_true(xk_buf_splice(&b, 0, 0, "域名:", strlen("域名:")));
    size_t at = strlen("域名:");
    assert_true(xk_buf_splice(&b, at, 1, "i", 1)); /* same length */
    assert_string_equal(b.data, "域名:iyyhd.com");
    assert_true(xk_buf_splice(&b, at + 5, 4, ".com.cn", 7)); /* longer, at the end */
    assert_string_equal(b.data, "域名:iyyhd.com.cn");
    assert_true(xk_buf_splice(&b, at, 5, "qm", 2)); /* shorter, in the middle */
    assert_string_equal(b.data, "域名:qm.com.cn");
    assert_int_equal(b.len, strlen("域名:qm.com.cn"));
    assert_false(xk_buf_splice(&b, b.len + 1, 0, "x", 1)); /* outside: refused, untouched */
    assert_false(xk_buf_splice(&b, 2, b.len, "x", 1));
    assert_string_equal(b.data, "域名:qm.com.cn");
    xk_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_passes_through),
        cmocka_unit_test(test_utf8_bom_is_stripped),
        cmocka_unit_test(test_gb18030_is_converted),
        cmocka_unit_test(test_utf16_with_bom_is_converted),
        cmocka_unit_test(test_nul_byte_is_binary_with_line),
        cmocka_unit_test(test_invalid_in_both_encodings_is_refused),
        cmocka_unit_test(test_lines_split_crlf_cr_and_formfeed),
        cmocka_unit_test(test_lines_nfkc_fullwidth_and_ideographic_space),
        cmocka_unit_test(test_lines_drop_zero_width_characters),
        cmocka_unit_test(test_tidy_removes_ocr_spaces_between_chinese),
        cmocka_unit_test(test_tidy_makes_chinese_punctuation_fullwidth),
        cmocka_unit_test(test_tidy_long_and_short_text_alike),
        cmocka_unit_test(test_tidy_leaves_ascii_text_alone),
        cmocka_unit_test(test_tidy_lines_widens_punctuation_in_chinese_text),
        cmocka_unit_test(test_tidy_lines_matches_tidy_on_split_lines),
        cmocka_unit_test(test_squeeze_keeps_ascii_word_spaces),
        cmocka_unit_test(test_utf8_decoder_rejects_overlong_and_surrogates),
        cmocka_unit_test(test_utf8_scrub_replaces_only_invalid_bytes),
        cmocka_unit_test(test_utf8_cut_keeps_whole_characters_of_every_width),
        cmocka_unit_test(test_utf8_cut_counts_invalid_bytes_as_characters),
        cmocka_unit_test(test_utf8_copy_fits_and_never_splits_a_character),
        cmocka_unit_test(test_starts_and_ends_with_words),
        cmocka_unit_test(test_buf_splice_replaces_a_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
