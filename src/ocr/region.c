/*
 * The province of a licence number read again when the page's reading is none of the 31
 * ("经营许可证编号:外B 2一20190987" for 粤B2-20190987, a page in the AR PL UMing face: the number
 * was refused, and the licence with it). The number's line is read on its own with Tesseract
 * allowed only the label's characters, the 31 abbreviations and what a number is written with;
 * an abbreviation read there replaces the character, as a fix (so the number is flagged).
 */
#include <string.h>

#include "ocr_internal.h"
#include "xuke/catalogue.h"
#include "xuke/text.h"

/* What the line may hold besides the abbreviations: the label, its colon, a number's letters,
 * digits and dashes, and the quote a page often puts before the number (编号:”琼B2-…). */
#define REGION_LINE_CHARS "经营许可证编号:：ABB0123456789-.—一”\""

/* Where the number starts in s (after 编号, its colon, spaces and a quote), or (size_t)-1
 * when s holds no 编号. */
static size_t after_number_label(const char *s, size_t len)
{
    static const char *const gaps[] = {":", " ", "\"", "：", "”"};
    size_t i = 0;
    while (i + strlen("编号") <= len && !xk_starts_with(s + i, len - i, "编号"))
        i++;
    if (i + strlen("编号") > len)
        return (size_t)-1;
    i += strlen("编号");
    size_t n;
    while ((n = xk_starts_with_any(s + i, len - i, gaps, sizeof gaps / sizeof gaps[0], NULL)))
        i += n;
    return i;
}

/* See ocr_internal.h. */
size_t xk_ocr_unknown_region_at(const char *s, size_t len)
{
    size_t i = after_number_label(s, len);
    unsigned cp;
    size_t n = i < len ? xk_utf8_decode(s + i, len - i, &cp) : 0;
    if (n == 0 || !xk_is_han(cp) || xk_region_by_abbr(s + i, n))
        return (size_t)-1;
    size_t j = i + n;
    while (j < len && s[j] == ' ')
        j++;
    return j < len && (s[j] == 'B' || s[j] == 'A') ? i : (size_t)-1;
}

/* The characters Tesseract may read on the line: the abbreviations, then REGION_LINE_CHARS. */
static void allowed_chars(char *out, size_t size)
{
    size_t used = 0;
    for (size_t i = 0; i < xk_region_count(); i++) {
        const char *a = xk_region_at(i)->abbr;
        size_t n = strlen(a);
        if (used + n + sizeof REGION_LINE_CHARS >= size)
            break;
        memcpy(out + used, a, n);
        used += n;
    }
    snprintf(out + used, size - used, "%s", REGION_LINE_CHARS);
}

/* The line read with only the allowed characters; the abbreviation it puts where
 * xk_ocr_unknown_region_at finds the province, copied into abbr (4 bytes), or false. */
static bool read_region(TessBaseAPI *api, PIX *image, const page_line *l, const char *allowed,
                        char abbr[4], double *left)
{
    char *text = xk_ocr_read_line_with(api, image, l, allowed, left);
    size_t len = text ? strlen(text) : 0, i = text ? after_number_label(text, len) : (size_t)-1;
    unsigned cp;
    size_t n = i < len ? xk_utf8_decode(text + i, len - i, &cp) : 0;
    bool found = n == 3 && xk_region_by_abbr(text + i, n);
    if (found) {
        memcpy(abbr, text + i, n);
        abbr[n] = '\0';
    }
    TessDeleteText(text);
    return found;
}

void xk_ocr_read_region(TessBaseAPI *api, PIX *image, page_lines *pl, double *left)
{
    char allowed[256] = "";
    for (size_t i = 0; i < pl->n; i++) {
        page_line *l = &pl->items[i];
        size_t at = (size_t)-1;
        if (!l->text.oom && l->text.data)
            at = xk_ocr_unknown_region_at(l->text.data, l->text.len);
        if (at == (size_t)-1)
            continue;
        if (!allowed[0])
            allowed_chars(allowed, sizeof allowed);
        char abbr[4];
        unsigned cp;
        size_t was = xk_utf8_decode(l->text.data + at, l->text.len - at, &cp);
        if (read_region(api, image, l, allowed, abbr, left) &&
            xk_ocr_line_note_fix(l, l->text.data + at, was, abbr, strlen(abbr)))
            xk_buf_splice(&l->text, at, was, abbr, strlen(abbr));
    }
}
