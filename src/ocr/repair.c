/*
 * Repairs of OCR text before extraction, each recorded so the record can say what was changed:
 * - bracket look-alikes: 〈 and 〉 (never printed on a licence) are what OCR makes of （ and ）;
 * - a full stop read as the letter O at the end of Chinese text;
 * - licence vocabulary read with one character wrong: a window of the line that is one
 *   character away from a phrase of the licence's own vocabulary (labels, the catalogue's
 *   service names, the standard qualifiers and provision wording) is taken to be that phrase.
 *   Phrases are six characters or longer (four or five only where a label starts a line), and
 *   the wrong character must be a Chinese one, so ordinary text is not "corrected" into
 *   vocabulary by accident: "经营许可时" must not become "经营许可证", nor "电信服务规范"
 *   "电信业务规范".
 */
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "ocr_internal.h"
#include "xuke/catalogue.h"
#include "xuke/text.h"

/* The labels a line starts with first (N_LABELS of them), then the rest of the vocabulary. */
static const char *const vocabulary[] = {
    "经营许可证编号", "公司名称", "法定代表人", "业务种类", "服务项目", "覆盖范围", "业务覆盖范围",
    "发证机关", "发证日期", "有效期至", "网站名称", "网站域名", "服务器放置地", "网站接入服务提供单位",
    "增值电信业务经营许可证", "特别规定事项", "互联网信息服务", "信息搜索查询服务",
    "信息即时交互服务", "经营类电子商务", "依法须经批准的项目", "经相关部门批准后方可开展相应经营活动",
    "中华人民共和国", "电信主管部门", "网络与信息安全", "用户个人信息",
    "网络借贷信息中介类的互联网金融业务", "药品和医疗器械", "工业和信息化部", "有限责任公司",
    "股份有限公司", "仅限互联网信息服务", "仅限经营类电子商务",
    /* the access providers most websites name (网站接入服务提供单位) */
    "中国电信股份有限公司", "中国联合网络通信有限公司", "中国移动通信集团", "阿里云计算有限公司",
    "华为云计算技术有限公司", "北京百度网讯科技有限公司",
};
#define N_LABELS 14

/* Short words OCR gets wrong in one typical way (too short for the one-character rule). */
static const char *const confusions[][2] = {
    {"仪限", "仅限"}, {"仅很", "仅限"}, {"不舍", "不含"}, {"履盖", "覆盖"}, {"復盖", "覆盖"},
};

#define N_VOCAB (sizeof vocabulary / sizeof vocabulary[0])
#define MAX_PHRASE_CHARS 24

typedef struct phrase {
    const char *text;
    size_t off[MAX_PHRASE_CHARS + 1]; /* byte offsets of its characters */
    size_t chars;
    bool label;   /* one of the first N_LABELS: a line's label, a colon after it */
    bool service; /* a catalogue service's name */
} phrase;

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

void ocr_copy_whole(char *dst, size_t size, const char *s, size_t len)
{
    if (len >= size)
        len = xk_utf8_whole(s, size - 1);
    memcpy(dst, s, len);
    dst[len] = '\0';
}

void ocr_repair_note(ocr_repairs *rep, int line, const char *from, size_t from_len,
                     const char *to, size_t to_len)
{
    if (rep->n == OCR_MAX_REPAIRS) {
        rep->dropped++;
        return;
    }
    ocr_repair *r = &rep->items[rep->n++];
    r->line = line;
    ocr_copy_whole(r->from, sizeof r->from, from, from_len);
    ocr_copy_whole(r->to, sizeof r->to, to, to_len);
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
    for (size_t p = 0; p < n_ph; p++) {
        size_t k = ph[p].chars;
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

static const char *const numerals[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
                                       "十一", "十二", "十三", "十四", "十五", "十六", "十七",
                                       "十八", "十九", "二十"};

/* 1-20 for a Chinese numeral of exactly len bytes, else 0. */
static int numeral_value(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof numerals / sizeof numerals[0]; i++)
        if (strlen(numerals[i]) == len && memcmp(s, numerals[i], len) == 0)
            return (int)i + 1;
    return 0;
}

/* The bytes of a closing bracket ） or ) at s, else 0. */
static size_t closing_at(const char *s, size_t len)
{
    return len >= 3 && memcmp(s, "）", 3) == 0 ? 3 : len >= 1 && s[0] == ')' ? 1 : 0;
}

/* The numeral of an item number "（三）" / "(三)" at the start of a line: its value (0 when the
 * line does not start with one) and the bytes of the marker. */
static int item_marker(const char *s, size_t len, size_t *used)
{
    size_t o = len >= 3 && memcmp(s, "（", 3) == 0 ? 3 : len >= 1 && s[0] == '(' ? 1 : 0;
    for (size_t c = o; o && c < len && c <= o + 6; c++) {
        size_t cl = closing_at(s + c, len - c);
        int v = cl ? numeral_value(s + o, c - o) : 0;
        if (v) {
            *used = c + cl;
            return v;
        }
    }
    return 0;
}

/*
 * An item number read as the one after it: "（一）…", "（三）…", "（三）…" — the first （三） is
 * （二）; the same for provision numbers ("一、", "三、", "三、": 二 and 三 differ by a stroke,
 * and a shadowed photo lost it). The evidence comes after the line, so the text is scanned for
 * it first: the lines whose number is to be corrected, and to what.
 */
#define MAX_RENUMBERS 16

typedef struct renumbers {
    int line[MAX_RENUMBERS], to[MAX_RENUMBERS];
    size_t n;
} renumbers;

/* The last two numbers of a sequence (items of a provision, or the provisions) and the line of
 * the last. */
typedef struct number_run {
    int prev, prev_line, before;
} number_run;

/* v on line lineno continues run: when it repeats a number that skipped one (1, 3, 3), the
 * first 3 is noted in rn to become 2. */
static void run_next(number_run *run, int v, int lineno, renumbers *rn)
{
    if (v == run->prev && run->prev == run->before + 2 && rn->n < MAX_RENUMBERS) {
        rn->line[rn->n] = run->prev_line;
        rn->to[rn->n++] = run->before + 1;
        run->before++; /* as corrected */
    } else {
        run->before = run->prev;
    }
    run->prev = v;
    run->prev_line = lineno;
}

/* The value of the provision number ("十五、") line s[0..n) starts with, and its bytes in
 * *used; 0 when none. */
static int provision_marker(const char *s, size_t n, size_t *used)
{
    for (size_t k = 3; k <= 6 && k + 3 <= n; k += 3) {
        int v = numeral_value(s, k);
        if (v && memcmp(s + k, "、", 3) == 0) {
            *used = k + 3;
            return v;
        }
    }
    return 0;
}

static void find_renumbers(const char *text, size_t len, renumbers *rn)
{
    rn->n = 0;
    number_run items = {0, 0, 0}, provisions = {0, 0, 0};
    const char *end = text + len;
    for (int lineno = 1; text < end && rn->n < MAX_RENUMBERS; lineno++) {
        const char *nl = memchr(text, '\n', (size_t)(end - text));
        size_t n = nl ? (size_t)(nl - text) : (size_t)(end - text);
        size_t used;
        int v = item_marker(text, n, &used), p = v ? 0 : provision_marker(text, n, &used);
        if (p) {
            items = (number_run){0, 0, 0};
            run_next(&provisions, p, lineno, rn);
        } else if (v) {
            run_next(&items, v, lineno, rn);
        }
        text += n + 1;
    }
}

/* Where the numbering stands as the lines are repaired: the last item and provision numbers,
 * the corrections known from later lines, and whether the line before left a bracket open. */
typedef struct numbering {
    int item, prov;
    renumbers rn;
    bool in_bracket;
} numbering;

static int renumbered(const renumbers *rn, int lineno)
{
    for (size_t i = 0; rn && i < rn->n; i++)
        if (rn->line[i] == lineno)
            return rn->to[i];
    return 0;
}

/* Whether s[0..len) opens an item as the standard wording does (the item's number before it). */
static bool item_opening(const char *s, size_t len)
{
    static const char *const words[] = {"你公司", "未经批准"};
    return xk_starts_with_any(s, len, words, sizeof words / sizeof words[0], NULL) != 0;
}

/* Number `to` written as `open` numeral `close` ("（八）", "十二、") for the marker s[0..used),
 * the repair noted: returns used. */
static size_t number_written(const char *s, size_t used, const char *open, int to,
                             const char *close, int lineno, xk_buf *out, ocr_repairs *rep)
{
    char fixed[32];
    snprintf(fixed, sizeof fixed, "%s%s%s", open, numerals[to - 1], close);
    ocr_repair_note(rep, lineno, s, used, fixed, strlen(fixed));
    xk_buf_puts(out, fixed);
    return used;
}

/* Item number `to` ("（八）") written for the marker s[0..used), *last set: returns used. */
static size_t item_written(const char *s, size_t used, int to, int lineno, int *last,
                           xk_buf *out, ocr_repairs *rep)
{
    *last = to;
    return number_written(s, used, "（", to, "）", lineno, out, rep);
}

/* An item number whose opening bracket was lost: one or two characters, then ） and an item's
 * opening words ("全)未经批准…", "伍)你公司…" on a serif page): its numeral when it is one,
 * else the next number. Not when the line before left a bracket open: "务）你公司提供…" ends
 * "（适用于…递送服务）". The bytes of the marker, 0 when the line does not start so. */
static size_t unopened_item(const char *s, size_t len, int lineno, numbering *nb, xk_buf *out,
                            ocr_repairs *rep)
{
    int *last = &nb->item;
    size_t c = 0;
    if (nb->in_bracket)
        return 0;
    for (int k = 0; k < 2 && c < len; k++) {
        unsigned cp;
        size_t n = xk_utf8_decode(s + c, len - c, &cp);
        if (n == 0 || cp == ' ')
            return 0;
        c += n;
        size_t cl = closing_at(s + c, len - c);
        if (!cl || !item_opening(s + c + cl, len - c - cl))
            continue;
        int v = numeral_value(s, c);
        if (!v && (*last <= 0 || *last >= 20))
            return 0;
        return item_written(s, c + cl, v ? v : *last + 1, lineno, last, out, rep);
    }
    return 0;
}

/*
 * Item numbers "（一）" … at the start of a line: remembers the last one, and a bracket at the
 * start of a line that holds no numeral ("《X）", "(WA" or "(" before 你公司) becomes the next
 * number, since OCR garbles those brackets more than any other text; so does a marker that lost
 * its opening bracket (unopened_item). A new provision ("十五、") starts the count again.
 * Returns the bytes of line consumed (0 when the line does not start with an item number).
 */
static size_t item_number(const char *s, size_t len, int lineno, numbering *nb, xk_buf *out,
                          ocr_repairs *rep)
{
    int *last = &nb->item;
    size_t used;
    int to = renumbered(&nb->rn, lineno);
    if (to && to < 20 && item_marker(s, len, &used))
        return item_written(s, used, to, lineno, last, out, rep);
    static const char *const opens[] = {"（", "(", "《", "〈"};
    size_t o = xk_starts_with_any(s, len, opens, 4, NULL);
    if (!o)
        return unopened_item(s, len, lineno, nb, out, rep);
    for (size_t c = o; c < len && c <= o + 12; c++) {
        size_t cl = closing_at(s + c, len - c);
        if (!cl)
            continue;
        int v = numeral_value(s + o, c - o);
        if (v) {
            *last = v;
            return 0; /* a good number: left to the extractor as it is */
        }
        if (*last <= 0 || *last >= 20 || c == o)
            return 0;
        return item_written(s, c + cl, *last + 1, lineno, last, out, rep);
    }
    /* no closing bracket either ("(WA你公司应当…" for （八）, "(你公司应当…" for （六）): at most a
     * few Latin characters, then the item's opening words */
    size_t c = o;
    while (c < len && c < o + 4 && s[c] > ' ' && (unsigned char)s[c] < 0x80)
        c++;
    if (*last <= 0 || *last >= 20 || !item_opening(s + c, len - c))
        return 0;
    return item_written(s, c, *last + 1, lineno, last, out, rep);
}

/*
 * "十五、" at the start of a line: a provision, so item numbering starts again. A provision
 * number OCR garbled ("上日、你公司…" after "三、") becomes the next number: one or two
 * characters that are no numeral, then "、你公司", the way every provision opens; one noted in
 * rn (read as the number after it) is corrected. Returns the bytes of the line it replaced (0
 * when none).
 */
static size_t provision_start(const char *s, size_t len, int lineno, numbering *nb, bool *starts,
                              xk_buf *out, ocr_repairs *rep)
{
    int *last_prov = &nb->prov;
    size_t used;
    int v = provision_marker(s, len, &used);
    *starts = v > 0;
    if (v) {
        int to = renumbered(&nb->rn, lineno);
        bool mend = to > 0 && to < 20;
        *last_prov = mend ? to : v;
        return mend ? number_written(s, used, "", to, "、", lineno, out, rep) : 0;
    }
    for (size_t n = 3; n <= 6 && n + 12 <= len; n += 3)
        if (!numeral_value(s, n) && *last_prov > 0 && *last_prov < 20 &&
            memcmp(s + n, "、你公司", 12) == 0) {
            *starts = true;
            return number_written(s, n + 3, "", ++*last_prov, "、", lineno, out, rep);
        }
    return 0;
}

/* A 《 whose closing mark on the line is ） rather than 》: OCR's reading of （. */
static bool book_is_bracket(const char *p, const char *end)
{
    for (; p < end; p++) {
        if (end - p >= 3 && memcmp(p, "》", 3) == 0)
            return false;
        if (*p == ')' || (end - p >= 3 && memcmp(p, "）", 3) == 0))
            return true;
    }
    return false;
}

/* ( （ or 〈, which OCR reads for （ */
static bool opening_bracket(const char *p, const char *end)
{
    return p < end && (*p == '(' || (end - p >= 3 && (memcmp(p, "（", 3) == 0 ||
                                                       memcmp(p, "〈", 3) == 0)));
}

static bool closing_bracket(const char *p, const char *end)
{
    return p < end && (*p == ')' || (end - p >= 3 && (memcmp(p, "）", 3) == 0 ||
                                                       memcmp(p, "〉", 3) == 0)));
}

/* Opening brackets on the line less the closing ones. */
static int bracket_excess(const char *s, size_t len)
{
    int excess = 0;
    for (const char *p = s, *end = s + len; p < end; p++)
        excess += opening_bracket(p, end) - closing_bracket(p, end);
    return excess;
}

/*
 * A speck before a service name at the start of a line, read as a character of one or two
 * strokes, or half of the name's first character read apart ("人言息服务业务（仅限…" for
 * 信息服务业务, on patterned paper): the service was not found, and the licence was refused (or
 * the service merged into the one before). The bytes of the speck, 0 when the
 * line does not start so, or when the character and the name together are a name.
 */
static size_t speck_before_service(const char *s, size_t len)
{
    static const char *const specks[] = {"人", "入", "八", "了", "一", "丨", "丶", "卜", "亻"};
    size_t used, n = xk_starts_with_any(s, len, specks, sizeof specks / sizeof specks[0], NULL);
    return n && len > n && xk_service_match(s + n, len - n, &used) &&
                   !xk_service_match(s, len, &used)
               ? n
               : 0;
}

/* A qualifier's opening words after a service name: 仅限, 含 or 不含. */
static bool qualifier_opening(const char *p, const char *end)
{
    static const char *const opens[] = {"仅限", "含", "不含"};
    return xk_starts_with_any(p, (size_t)(end - p), opens, sizeof opens / sizeof opens[0], NULL);
}

/* A backslash OCR read for （ before a qualifier ("信息服务业务\仅限互联网信息服务)", in the
 * AR PL UMing face): the qualifier was lost without a flag. */
static bool backslash_bracket(const char *p, const char *end)
{
    return p < end && *p == '\\' && qualifier_opening(p + 1, end);
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
    size_t bracket = opening_bracket(after, end) ? (*after == '(' ? 1 : 3)
                     : backslash_bracket(after, end) ? 1 : 0;
    return bracket && qualifier_opening(after + bracket, end);
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

/* Specks after a label's colon ("发证日期:;"): the value is on the next line. New length. */
static size_t drop_specks(const char *s, size_t len, int lineno, ocr_repairs *rep)
{
    size_t k = len;
    while (k > 0 && strchr(";,.'`|_ ", s[k - 1]))
        k--;
    if (k == len || k == 0 || (s[k - 1] != ':' && !(k >= 3 && memcmp(s + k - 3, "：", 3) == 0)))
        return len;
    ocr_repair_note(rep, lineno, s + k, len - k, "", 0);
    return k;
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

/* The standard condition of a service, printed on its own line:
 * 【依法须经批准的项目，经相关部门批准后方可开展相应经营活动】. */
#define COND_HEAD "依法须经批准的项目"
#define COND_TAIL "开展相应经营活动"

/*
 * Whether line s is the standard condition with a bracket OCR lost: 1 when the closing 】 is
 * missing, -1 the opening 【, else 0. An unclosed 【 makes the extractor read the next service
 * as part of the condition, and the service is gone without a flag (seen on a photo render).
 */
static int condition_bracket(const char *s, size_t len)
{
    while (len && s[len - 1] == ' ')
        len--;
    size_t h = strlen(COND_HEAD), t = strlen(COND_TAIL), b = strlen("【");
    bool open = len > b + h && memcmp(s, "【" COND_HEAD, b + h) == 0;
    bool head = !open && len > h && memcmp(s, COND_HEAD, h) == 0;
    bool tail = len > t && memcmp(s + len - t, COND_TAIL, t) == 0;
    bool close = !tail && len > t + b && memcmp(s + len - t - b, COND_TAIL "】", t + b) == 0;
    if (open && tail)
        return 1;
    return head && close ? -1 : 0;
}

static void repair_line(const char *s, size_t len, int lineno, const phrase *ph, size_t n_ph,
                        numbering *nb, xk_buf *out, ocr_repairs *rep)
{
    size_t off[1025], start = out->len;
    len = drop_specks(s, len, lineno, rep);
    int bracket = condition_bracket(s, len);
    if (bracket < 0) {
        ocr_repair_note(rep, lineno, s, strlen(COND_HEAD), "【" COND_HEAD, strlen("【" COND_HEAD));
        xk_buf_puts(out, "【");
    }
    bool starts;
    size_t head = provision_start(s, len, lineno, nb, &starts, out, rep);
    if (starts)
        nb->item = 0;
    else
        head = item_number(s, len, lineno, nb, out, rep);
    s += head;
    len -= head;
    size_t n = xk_utf8_offsets(s, len, off, 1024);
    if (off[n] < len) { /* a line of over 1,024 characters is left as read */
        xk_buf_append(out, s, len);
        return;
    }
    /* "业务(（仅限经营类电子商务)": a bracket read twice; left unclosed, the qualifier swallowed
     * the next service (seen on a 150 dpi render) */
    int doubled = bracket_excess(s, len);
    for (size_t c = 0; c < n;) {
        const char *ch = s + off[c];
        size_t clen = off[c + 1] - off[c];
        size_t p_chars = 0;
        const phrase *p = near_phrase(s, off, n, c, ph, n_ph, &p_chars);
        const phrase *label = NULL;
        if (!p && c == 0 && (p = two_off(s, off, n, 0, ph, n_ph, service_fits)) != NULL)
            p_chars = p->chars;
        if (!p && c > 0 && item_may_follow(s, off[c]) &&
            (p = two_off(s, off, n, c, ph, n_ph, item_fits)) != NULL)
            p_chars = p->chars;
        size_t excl = !p && c == 0 ? misread_excludes(s, off, n, ph, n_ph) : 0;
        if (excl) {
            ocr_repair_note(rep, lineno, s, excl, "不含", strlen("不含"));
            xk_buf_puts(out, "不含");
            c = 2;
            continue;
        }
        size_t used = !p && c == 0 ? label_colon(s, len, ph, n_ph, &label) : 0;
        if (used) {
            char to[128];
            snprintf(to, sizeof to, "%s:", label->text);
            ocr_repair_note(rep, lineno, s, used, to, strlen(to));
            xk_buf_puts(out, to);
            while (c < n && off[c] < used)
                c++;
            continue;
        }
        size_t k = 0; /* a short word with its typical misreading (two characters) */
        while (!p && k < sizeof confusions / sizeof confusions[0] &&
               !(c + 2 <= n && off[c + 2] - off[c] == strlen(confusions[k][0]) &&
                 memcmp(ch, confusions[k][0], off[c + 2] - off[c]) == 0))
            k++;
        if (!p && k < sizeof confusions / sizeof confusions[0]) {
            ocr_repair_note(rep, lineno, ch, off[c + 2] - off[c], confusions[k][1],
                            strlen(confusions[k][1]));
            xk_buf_puts(out, confusions[k][1]);
            c += 2;
            continue;
        }
        if (p) {
            size_t bytes = off[c + p_chars] - off[c];
            /* a label misread and its colon too ("业务履盖范围;北京", a serif page) */
            size_t colon = c == 0 && p->label ? misread_colon(s, len, bytes) : 0;
            char to[128];
            snprintf(to, sizeof to, "%s%s", p->text, colon ? ":" : "");
            ocr_repair_note(rep, lineno, ch, bytes + colon, to, strlen(to));
            xk_buf_puts(out, to);
            c += p_chars;
            while (c < n && off[c] < bytes + colon)
                c++;
            continue;
        }
        if (doubled > 0 && opening_bracket(ch, s + len) && opening_bracket(ch + clen, s + len)) {
            ocr_repair_note(rep, lineno, ch, off[c + 2] - off[c], ch + clen,
                            off[c + 2] - off[c + 1]);
            doubled--;
            c++; /* the second bracket stays */
            continue;
        }
        unsigned cp;
        xk_utf8_decode(ch, clen, &cp);
        if (cp == 0x300A && book_is_bracket(ch + clen, s + len)) { /* 《…） */
            ocr_repair_note(rep, lineno, ch, clen, "（", 3);
            xk_buf_puts(out, "（");
        } else if (backslash_bracket(ch, s + len)) {
            ocr_repair_note(rep, lineno, ch, clen, "（", 3);
            xk_buf_puts(out, "（");
        } else if (cp == 0x3008 || cp == 0x3009) { /* 〈 〉 */
            const char *to = cp == 0x3008 ? "（" : "）";
            ocr_repair_note(rep, lineno, ch, clen, to, 3);
            xk_buf_puts(out, to);
        } else if (cp == 'O' && c > 0 && c + 1 == n) {
            unsigned prev;
            xk_utf8_decode(s + off[c - 1], off[c] - off[c - 1], &prev);
            if (xk_is_han(prev)) {
                ocr_repair_note(rep, lineno, ch, clen, "。", 3);
                xk_buf_puts(out, "。");
            } else {
                xk_buf_append(out, ch, clen);
            }
        } else {
            xk_buf_append(out, ch, clen);
        }
        c++;
    }
    if (bracket > 0) {
        ocr_repair_note(rep, lineno, COND_TAIL, strlen(COND_TAIL), COND_TAIL "】",
                        strlen(COND_TAIL "】"));
        xk_buf_puts(out, "】");
    }
    /* on the line as repaired: 人言息服务业务 (信 read as two) is 人信息服务业务 by now */
    size_t speck = out->oom ? 0 : speck_before_service(out->data + start, out->len - start);
    if (speck) {
        ocr_repair_note(rep, lineno, out->data + start, speck, "", 0);
        xk_buf_splice(out, start, speck, "", 0);
    }
}

xk_status ocr_repair_text(xk_ocr_result *r, ocr_repairs *rep)
{
    phrase ph[N_VOCAB + 32];
    size_t n_ph = load_phrases(ph, sizeof ph / sizeof ph[0]);
    xk_buf out;
    xk_buf_init(&out);
    int lineno = 1;
    numbering nb = {0};
    find_renumbers(r->text, r->len, &nb.rn);
    xk_buf carry; /* a garbled provision number OCR put on a line of its own ("上日" / "、你公司…") */
    xk_buf_init(&carry);
    const char *end = r->text + r->len;
    for (const char *p = r->text; p < end; lineno++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *next = nl ? nl + 1 : end;
        if (n > 0 && n <= 6 && next + 12 <= end && memcmp(next, "、你公司", 12) == 0) {
            xk_buf_reset(&carry);
            xk_buf_append(&carry, p, n); /* joins the next line; this one stays, empty */
        } else if (carry.len) {
            xk_buf_append(&carry, p, n);
            repair_line(carry.data, carry.len, lineno, ph, n_ph, &nb, &out, rep);
            xk_buf_reset(&carry);
        } else {
            repair_line(p, n, lineno, ph, n_ph, &nb, &out, rep);
        }
        nb.in_bracket = bracket_excess(p, n) > 0;
        xk_buf_putc(&out, '\n');
        p += n + 1;
    }
    xk_buf_free(&carry);
    if (out.oom) {
        xk_buf_free(&out);
        return XK_ENOMEM;
    }
    free(r->text);
    r->len = out.len;
    r->text = xk_buf_take(&out);
    return XK_OK;
}
