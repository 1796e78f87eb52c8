/*
 * Repairs of licence vocabulary read with one character wrong: a window of the line that is one
 * character away from a phrase of the licence's own vocabulary (labels, the catalogue's service
 * names, the standard qualifiers and provision wording) is taken to be that phrase. Phrases are
 * six characters or longer (four or five only where a label starts a line), and the wrong
 * character must be a Chinese one, so ordinary text is not "corrected" into vocabulary by
 * accident: "经营许可时" must not become "经营许可证", nor "电信服务规范" "电信业务规范". Two
 * characters wrong only where a service name or a qualifier's item must stand; besides, 不含
 * misread, a label's colon misread, and short words with their typical misreading. It owns the
 * vocabulary; brackets and numbers are repair_marks.c's and repair_numbers.c's.
 */
#include <stdio.h>
#include <string.h>

#include "ocr_internal.h"
#include "repair.h"
#include "xuke/catalogue.h"
#include "xuke/text.h"

/* The labels a line starts with first (N_LABELS of them), then the rest of the vocabulary. */
static const char *const vocabulary[] = {
    "经营许可证编号", "公司名称", "法定代表人", "业务种类", "服务项目", "覆盖范围", "业务覆盖范围",
    "发证机关", "发证日期", "有效期至", "网站名称", "网站域名", "服务器放置地", "网站接入服务提供单位",
    "增值电信业务经营许可证", "特别规定事项", "互联网信息服务", "信息搜索查询服务",
    "信息即时交互服务", "经营类电子商务", "依法须经批准的项目", "经相关部门批准后方可开展相应经营活动",
    "中华人民共和国", "电信主管部门", "通信主管部门", "网络与信息安全", "用户个人信息",
    "网络借贷信息中介类的互联网金融业务", "药品和医疗器械", "工业和信息化部", "有限责任公司",
    "股份有限公司", "仅限互联网信息服务", "仅限经营类电子商务",
    /* the catalogue's two categories, which older licences print before a service's name
     * (电信业务分类目录, 2015: "第二类增值电信业务中的信息服务业务"); 增 misread there left the
     * service unnamed, and the licence refused */
    "第一类增值电信业务", "第二类增值电信业务",
    /* the access providers most websites name (网站接入服务提供单位) */
    "中国电信股份有限公司", "中国联合网络通信有限公司", "中国移动通信集团", "阿里云计算有限公司",
    "华为云计算技术有限公司", "北京百度网讯科技有限公司",
};
#define N_LABELS 14

/*
 * Short words OCR gets wrong in one typical way (too short for the one-character rule), each a
 * confusion Tesseract was counted making in data/ocr_confusions.txt (bench/ocr_confusions.py:
 * 152 pages of tuning licences, three faces, 150-300 dpi, six kinds of damage): 覆 read as 履 48
 * times in 22 renders, 仅 as 仪 once, 含 as 舍 once. 仅很 and 復盖, once listed here after one
 * fixture, were never counted (限 as 很, 覆 as 復: 0 in 135,284 characters) and are gone.
 * tests/e2e/test_confusions.py keeps every entry backed by a count.
 */
static const char *const confusions[][2] = {
    {"仪限", "仅限"}, {"不舍", "不含"}, {"履盖", "覆盖"},
};

#define N_VOCAB (sizeof vocabulary / sizeof vocabulary[0])
#define N_PROVIDERS 6 /* the access providers, the vocabulary's last entries */

bool xk_ocr_known_provider(const char *s)
{
    for (size_t i = N_VOCAB - N_PROVIDERS; s && i < N_VOCAB; i++)
        if (strcmp(vocabulary[i], s) == 0)
            return true;
    return false;
}
_Static_assert(N_VOCAB + 32 <= OCR_MAX_PHRASES, "room for the vocabulary and the services");

static size_t load_phrases(phrase *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < N_VOCAB && n < max; i++) {
        out[n].text = vocabulary[i];
        out[n].label = i < N_LABELS;
        out[n].service = false;
        out[n].chars = xk_utf8_offsets(vocabulary[i], strlen(vocabulary[i]), out[n].off,
                                   MAX_PHRASE_CHARS);
        n++;
    }
    for (size_t i = 0; i < xk_service_count() && n < max; i++) {
        out[n].text = xk_service_at(i)->name;
        out[n].label = false;
        out[n].service = true;
        out[n].chars = xk_utf8_offsets(out[n].text, strlen(out[n].text), out[n].off, MAX_PHRASE_CHARS);
        n++;
    }
    return n;
}

void xk_ocr_phrases_load(phrases *ph)
{
    ph->n = load_phrases(ph->items, N_VOCAB + 32);
}

/* Whether line's characters [at, at + k] are phrase p (k characters) with one Chinese
 * character inserted inside it, not at either end (then p itself is on the line). */
static bool han_inserted(const char *line, const size_t *off, size_t at, const phrase *p)
{
    size_t k = p->chars, i = 0;
    for (; i < k; i++) { /* the common start */
        size_t la = off[at + i + 1] - off[at + i], lb = p->off[i + 1] - p->off[i];
        if (la != lb || memcmp(line + off[at + i], p->text + p->off[i], la) != 0)
            break;
    }
    if (i == 0 || i == k)
        return false;
    size_t rest = p->off[k] - p->off[i];
    unsigned extra;
    xk_utf8_decode(line + off[at + i], off[at + i + 1] - off[at + i], &extra);
    return xk_is_han(extra) && off[at + k + 1] - off[at + i + 1] == rest &&
           memcmp(line + off[at + i + 1], p->text + p->off[i], rest) == 0;
}

/* How many of phrase p's characters line[at...] reads otherwise, each a Chinese character on both
 * sides (a look-alike); more than most (most + 1) as soon as the count passes most or a
 * difference is not Chinese on both sides (punctuation, an ASCII letter). */
static size_t han_differences(const char *line, const size_t *off, size_t at, const phrase *p,
                              size_t most)
{
    size_t diff = 0;
    for (size_t c = 0; c < p->chars && diff <= most; c++) {
        size_t la = off[at + c + 1] - off[at + c], lb = p->off[c + 1] - p->off[c];
        if (la == lb && memcmp(line + off[at + c], p->text + p->off[c], la) == 0)
            continue;
        unsigned got, want;
        xk_utf8_decode(line + off[at + c], la, &got);
        xk_utf8_decode(p->text + p->off[c], lb, &want);
        diff = xk_is_han(got) && xk_is_han(want) ? diff + 1 : most + 1;
    }
    return diff;
}

/*
 * The phrase one character away from line[at...], if any, and in *chars how many characters
 * of the line it stands for: the differing character must be a Chinese character on both sides
 * (a look-alike), never punctuation or an ASCII letter. A phrase of OCR_INSERT_CHARS or more
 * also matches with one Chinese character inserted (中国电信和股份有限公司: the model's
 * fondness for 电信和).
 */
#define OCR_INSERT_CHARS 8

static const phrase *near_phrase(const char *line, const size_t *off, size_t n, size_t at,
                                 const phrase *ph, size_t n_ph, size_t *chars)
{
    /* a phrase read exactly is left alone, though another as long is one character from it
     * (通信主管部门 and 电信主管部门 are both the licence's words) */
    size_t exact = 0;
    for (size_t p = 0; p < n_ph; p++)
        if (ph[p].chars > exact && at + ph[p].chars <= n &&
            han_differences(line, off, at, &ph[p], 0) == 0)
            exact = ph[p].chars;
    for (size_t p = 0; p < n_ph; p++) {
        size_t k = ph[p].chars;
        if (k <= exact)
            continue;
        if (k >= OCR_INSERT_CHARS && at + k + 1 <= n && han_inserted(line, off, at, &ph[p])) {
            *chars = k + 1;
            return &ph[p];
        }
        if (k < 4 || (k < 6 && at != 0) || at + k > n)
            continue;
        if (han_differences(line, off, at, &ph[p], 1) == 1) {
            *chars = k;
            return &ph[p];
        }
    }
    return NULL;
}

/*
 * The phrase that line[at...] reads with exactly two Chinese characters wrong, among those
 * `fits` accepts there: NULL unless exactly one is two away and none is closer (one character
 * off is near_phrase's).
 */
typedef bool phrase_fits(const char *line, const size_t *off, size_t n, size_t at,
                         const phrase *p);

static const phrase *two_off(const char *line, const size_t *off, size_t n, size_t at,
                             const phrase *ph, size_t n_ph, phrase_fits *fits)
{
    const phrase *found = NULL;
    for (size_t p = 0; p < n_ph; p++) {
        if (ph[p].label || !fits(line, off, n, at, &ph[p]))
            continue;
        size_t diff = han_differences(line, off, at, &ph[p], 2);
        if (diff > 2)
            continue;
        if (found || diff < 2) /* two phrases as close, or one closer: not this rule's */
            return NULL;
        found = &ph[p];
    }
    return found;
}

/*
 * The service name at the start of a line read with two Chinese characters wrong ("言轧服务业务\
 * 仅限互联网信息服务)" for 信息服务业务 in the AR PL UMing face: the service was lost and the
 * licence refused). Taken (two_off) only for a catalogue name of six characters or more after
 * which an opening bracket (or its look-alike) and a qualifier's opening words follow.
 */
#define OCR_SERVICE_MIN_CHARS 6

static bool service_fits(const char *line, const size_t *off, size_t n, size_t at,
                         const phrase *p)
{
    size_t k = p->chars;
    if (at != 0 || !p->service || k < OCR_SERVICE_MIN_CHARS || k >= n)
        return false;
    const char *after = line + off[k], *end = line + off[n];
    size_t bracket = xk_ocr_opening_bracket(after, end) ? (*after == '(' ? 1 : 3)
                     : xk_ocr_backslash_bracket(after, end) ? 1 : 0;
    return bracket && xk_ocr_qualifier_opening(after + bracket, end);
}

/*
 * 不含 at the start of a line read with its second character wrong (不伟信息搜索查询服务, a
 * Ming-face page: the exclusions were lost): 不, a Chinese character other than 含 or 得 (不得
 * opens provisions), then a phrase of the vocabulary or the catalogue, not a label, exactly.
 * The bytes of the two characters, 0 when the line does not start so.
 */
static size_t misread_excludes(const char *s, const size_t *off, size_t n, const phrase *ph,
                               size_t n_ph)
{
    static const char *const keep[] = {"含", "得"};
    unsigned cp;
    if (n < 3 || !xk_starts_with(s, off[1], "不") ||
        xk_starts_with_any(s + off[1], off[2] - off[1], keep, 2, NULL) ||
        !xk_utf8_decode(s + off[1], off[2] - off[1], &cp) || !xk_is_han(cp))
        return 0;
    for (size_t p = 0; p < n_ph; p++)
        if (!ph[p].label && ph[p].chars >= OCR_SERVICE_MIN_CHARS &&
            xk_starts_with(s + off[2], off[n] - off[2], ph[p].text))
            return off[2];
    return 0;
}

/*
 * An item of a qualifier list read with two Chinese characters wrong (不含信息报索音询服务 for
 * 信息搜索查询服务, a Ming-face page): taken (two_off) only right after 含, 仅限 or 、
 * (item_may_follow) and for a phrase of eight characters or more followed by the line's end or
 * its punctuation (、。，；)）). Not in prose: "基础电信业务经营许可证" is two characters from
 * 增值电信业务经营许可证 but never follows those words.
 */
#define OCR_ITEM_MIN_CHARS 8

/* Whether line[0..end) ends with the words a qualifier's item follows: 含, 仅限 or 、. */
static bool item_may_follow(const char *line, size_t end)
{
    static const char *const before[] = {"含", "仅限", "、"};
    return xk_ends_with_any(line, end, before, 3) > 0;
}

static bool item_fits(const char *line, const size_t *off, size_t n, size_t at, const phrase *p)
{
    static const char *const after[] = {"、", "。", "，", "；", "）", ")", ",", ";"};
    size_t k = p->chars;
    return k >= OCR_ITEM_MIN_CHARS && at + k <= n &&
           (at + k == n ||
            xk_starts_with_any(line + off[at + k], off[n] - off[at + k], after, 8, NULL));
}

/* After a label ending at s[at]: the bytes of its colon when OCR misread it as ; or , (either
 * width: "经营许可证编号，京B2-…" on a Ming-face page) or followed it by one (":;"), else 0. */
static size_t misread_colon(const char *s, size_t len, size_t at)
{
    static const char *const marks[] = {";", ",", "；", "，"};
    static const char *const colons[] = {":", "："};
    const size_t n_marks = sizeof marks / sizeof marks[0];
    size_t mark = at < len ? xk_starts_with_any(s + at, len - at, marks, n_marks, NULL) : 0;
    if (mark)
        return mark;
    size_t colon = at < len ? xk_starts_with_any(s + at, len - at, colons, 2, NULL) : 0;
    mark = colon ? xk_starts_with_any(s + at + colon, len - at - colon, marks, n_marks, NULL) : 0;
    return mark ? colon + mark : 0;
}

/*
 * A vocabulary label at the start of s whose colon OCR misread as ; or , ("法定代表人;") or
 * followed by a speck ("法定代表人:;陈娜娜"): the bytes up to the value, and the label; 0 when
 * s does not start so.
 */
static size_t label_colon(const char *s, size_t len, const phrase *ph, size_t n_ph,
                          const phrase **label)
{
    for (size_t k = 0; k < n_ph; k++) {
        size_t at = strlen(ph[k].text);
        if (!ph[k].label || at >= len || memcmp(s, ph[k].text, at) != 0)
            continue;
        *label = &ph[k];
        size_t colon = misread_colon(s, len, at);
        if (colon)
            return at + colon;
    }
    return 0;
}

/* --- one character of a line --------------------------------------------------------------- */

/* The phrase one character away from the line at c, or two where a service name (at its start)
 * or a qualifier's item (after 含, 仅限 or 、) must stand; *chars: the line's characters it
 * stands for. */
static const phrase *vocabulary_at(const line_repair *lr, size_t c, size_t *chars)
{
    const phrase *ph = lr->ph->items;
    size_t n_ph = lr->ph->n;
    const phrase *p = near_phrase(lr->s, lr->off, lr->n, c, ph, n_ph, chars);
    if (!p && c == 0 && (p = two_off(lr->s, lr->off, lr->n, 0, ph, n_ph, service_fits)) != NULL)
        *chars = p->chars;
    if (!p && c > 0 && item_may_follow(lr->s, lr->off[c]) &&
        (p = two_off(lr->s, lr->off, lr->n, c, ph, n_ph, item_fits)) != NULL)
        *chars = p->chars;
    return p;
}

/* Phrase p written for p_chars characters of the line from c (a label's misread colon with
 * it: "业务履盖范围;北京", a serif page): the characters consumed. */
static size_t phrase_written(line_repair *lr, size_t c, const phrase *p, size_t p_chars)
{
    const char *s = lr->s, *ch = s + lr->off[c];
    size_t bytes = lr->off[c + p_chars] - lr->off[c];
    size_t colon = c == 0 && p->label ? misread_colon(s, lr->len, bytes) : 0;
    char to[128];
    snprintf(to, sizeof to, "%s%s", p->text, colon ? ":" : "");
    xk_ocr_repair_note(lr->rep, lr->lineno, ch, bytes + colon, to, strlen(to));
    xk_buf_puts(lr->out, to);
    size_t next = c + p_chars;
    while (next < lr->n && lr->off[next] < bytes + colon)
        next++;
    return next - c;
}

/* 不含 for its misreading at the start of the line: the characters consumed, 0 when none. */
static size_t excludes_written(line_repair *lr)
{
    size_t excl = misread_excludes(lr->s, lr->off, lr->n, lr->ph->items, lr->ph->n);
    if (!excl)
        return 0;
    xk_ocr_repair_note(lr->rep, lr->lineno, lr->s, excl, "不含", strlen("不含"));
    xk_buf_puts(lr->out, "不含");
    return 2;
}

/* A label at the start of the line with its misread colon: the characters consumed, 0 when
 * none. */
static size_t label_written(line_repair *lr)
{
    const phrase *label = NULL;
    size_t used = label_colon(lr->s, lr->len, lr->ph->items, lr->ph->n, &label);
    if (!used)
        return 0;
    char to[128];
    snprintf(to, sizeof to, "%s:", label->text);
    xk_ocr_repair_note(lr->rep, lr->lineno, lr->s, used, to, strlen(to));
    xk_buf_puts(lr->out, to);
    size_t next = 0;
    while (next < lr->n && lr->off[next] < used)
        next++;
    return next;
}

/* A short word with its typical misreading (two characters) at c: 2, or 0 when none. */
static size_t confusion_written(line_repair *lr, size_t c)
{
    const size_t *off = lr->off;
    const char *ch = lr->s + off[c];
    size_t k = 0;
    while (k < sizeof confusions / sizeof confusions[0] &&
           !(c + 2 <= lr->n && off[c + 2] - off[c] == strlen(confusions[k][0]) &&
             memcmp(ch, confusions[k][0], off[c + 2] - off[c]) == 0))
        k++;
    if (k == sizeof confusions / sizeof confusions[0])
        return 0;
    xk_ocr_repair_note(lr->rep, lr->lineno, ch, off[c + 2] - off[c], confusions[k][1],
                       strlen(confusions[k][1]));
    xk_buf_puts(lr->out, confusions[k][1]);
    return 2;
}

size_t xk_ocr_repair_words(line_repair *lr, size_t c)
{
    size_t p_chars = 0;
    const phrase *p = vocabulary_at(lr, c, &p_chars);
    if (p)
        return phrase_written(lr, c, p, p_chars);
    size_t used = c == 0 ? excludes_written(lr) : 0;
    if (!used && c == 0)
        used = label_written(lr);
    return used ? used : confusion_written(lr, c);
}
