/*
 * The province of a licence number read again when the page's reading is none of the 31
 * ("经营许可证编号:外B 2一20190987" for 粤B2-20190987, a page in the AR PL UMing face: the number
 * was refused, and the licence with it). The number's line is read on its own with Tesseract
 * allowed only the label's characters, the 31 abbreviations and what a number is written with;
 * an abbreviation read there replaces the character, as a fix (so the number is flagged).
 */
#include <stdbool.h>
#include <string.h>

#include "ocr_internal.h"
#include "xuke/catalogue.h"
#include "xuke/text.h"

/* What the line may hold besides the abbreviations: the label, its colon, a number's letters,
 * digits and dashes, and the quote a page often puts before the number (编号:”琼B2-…). */
#define REGION_LINE_CHARS "经营许可证编号:：ABB0123456789-.—一”\""

/* Where the number starts in s (after 编号, its colon, spaces, a quote or a comma a scan put
 * there: 编号:，冀B2-…), or (size_t)-1
 * when s holds no 编号. */
static size_t after_number_label(const char *s, size_t len)
{
    static const char *const gaps[] = {":", " ", "\"", "：", "”", ",", "，"};
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

/*
 * The same number on another page. A licence prints its number on the first page, the appendix
 * and every page of the provisions; a province character misread on one (豫 read 驳 or 队, 沪
 * read 汽) while another reads one of the 31 with the same category, year and serial is taken
 * from the other, as a repair (so the number is flagged). Two different provinces read for the
 * same number decide nothing.
 */
#define NUMBERS_MAX 64 /* numbers compared per document; a licence prints a dozen at most */
#define NUMBER_KEY 11  /* "B2-20213801" */

typedef struct number_seen {
    size_t region; /* offset of the province character in the text */
    size_t region_len;
    int line;
    bool known; /* one of the 31 */
} number_seen;

/* Is s[i..) a category and number ("B2-20213801")? */
static bool number_key_at(const char *s, size_t len, size_t i)
{
    if (i + NUMBER_KEY > len || (s[i] != 'A' && s[i] != 'B') || (s[i + 1] != '1' && s[i + 1] != '2') ||
        s[i + 2] != '-')
        return false;
    for (size_t k = 3; k < NUMBER_KEY; k++)
        if (s[i + k] < '0' || s[i + k] > '9')
            return false;
    return i + NUMBER_KEY == len || s[i + NUMBER_KEY] < '0' || s[i + NUMBER_KEY] > '9';
}

/* The numbers in text with the key at key (NUMBER_KEY bytes) and a Han character before them
 * (spaces between allowed), in seen (at most max); their count. */
static size_t numbers_with(const char *text, size_t len, const char *key, number_seen *seen,
                           size_t max)
{
    size_t n = 0;
    int line = 1;
    for (size_t i = 0; i < len && n < max; i++) {
        if (text[i] == '\n')
            line++;
        if (!number_key_at(text, len, i) || memcmp(text + i, key, NUMBER_KEY) != 0)
            continue;
        size_t j = i;
        while (j > 0 && text[j - 1] == ' ')
            j--;
        if (j < 3)
            continue;
        unsigned cp;
        if (xk_utf8_decode(text + j - 3, 3, &cp) != 3 || !xk_is_han(cp))
            continue;
        seen[n++] = (number_seen){j - 3, 3, line, xk_region_by_abbr(text + j - 3, 3) != NULL};
    }
    return n;
}

/* The one province the known readings in seen agree on (offset into text), or NULL. */
static const char *agreed(const char *text, const number_seen *seen, size_t n)
{
    const char *one = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!seen[i].known)
            continue;
        if (one && memcmp(one, text + seen[i].region, 3) != 0)
            return NULL;
        one = text + seen[i].region;
    }
    return one;
}

void xk_ocr_region_agree(char *text, size_t len, ocr_repairs *rep)
{
    number_seen seen[NUMBERS_MAX];
    for (size_t i = 0; i < len; i++) {
        if (!number_key_at(text, len, i))
            continue;
        size_t n = numbers_with(text, len, text + i, seen, NUMBERS_MAX);
        const char *to = agreed(text, seen, n);
        for (size_t k = 0; to && k < n; k++) {
            if (seen[k].known)
                continue;
            xk_ocr_repair_note(rep, seen[k].line, text + seen[k].region, 3, to, 3);
            memmove(text + seen[k].region, to, 3); /* both three bytes: the text keeps its length */
            seen[k].known = true;
        }
        i += NUMBER_KEY - 1;
    }
}

/*
 * A province no reading settles. Every page read the number's province as the same character
 * that is none of the 31 (冀 read 费, 副, 蔓 or 碍 on every page and at every scale, and never
 * among Tesseract's alternatives), the reading restricted to the abbreviations found none, and
 * no 发证机关 or seal in the text names the issuing province. A person reads the character on
 * the paper, so the licence is not refused for it: the validator's error becomes a review flag
 * on the number, which keeps its printed reading, and the rest of the record stands. The number
 * is unresolved, not repaired: the registry refuses to store it until a person corrects it.
 * What the province decides is flagged with it: a service's coverage when none is printed.
 */
/* A service that prints no 覆盖范围 covers the number's province (extract/services.c): with the
 * province unresolved its coverage is empty, and wrong unless a person looks, so it is flagged. */
static xk_status coverage_unresolved(xk_licence *lic)
{
    for (size_t i = 0; i < lic->n_services; i++) {
        const xk_service *s = &lic->services[i];
        if (s->coverage.len == 0 &&
            xk_licence_problem_key(lic, XK_SEV_WARNING, s->line, "problem.review.coverage_unresolved",
                                   XK_REVIEW_PREFIX "业务种类 %s (service): no 覆盖范围 printed, "
                                                    "so it covers the number's province, which "
                                                    "is unresolved (%s)",
                                   s->code, lic->number) != XK_OK)
            return XK_ENOMEM;
    }
    return XK_OK;
}

xk_status xk_ocr_number_unresolved(xk_licence *lic)
{
    if (!lic->number || !lic->region || !*lic->region ||
        xk_region_by_abbr(lic->region, strlen(lic->region)))
        return XK_OK;
    if (!xk_licence_problem_drop(lic, XK_SEV_ERROR, "problem.number_region"))
        return XK_OK;
    if (coverage_unresolved(lic) != XK_OK)
        return XK_ENOMEM;
    return xk_licence_problem_key(
        lic, XK_SEV_WARNING, lic->line_number, "problem.review.number_unresolved",
        XK_REVIEW_PREFIX "经营许可证编号 printed \"%s\": %s is no province abbreviation, and "
                         "the licence does not say which province issued it: unresolved; read it "
                         "on the paper and correct it, the licence cannot be imported before",
        lic->number, lic->region);
}
