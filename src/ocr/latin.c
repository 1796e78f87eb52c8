/*
 * Latin text read a second time by Tesseract's English model: the page's Chinese model reads
 * letters less surely (iyyhd.com as jyyhd.com), so the domains of a page are cropped and read
 * again by eng, and a 网站域名 line the Chinese model garbled is read whole. What eng changes is
 * kept as a fix of the line, so the field is flagged for review.
 */
#include <ctype.h>
#include <string.h>
#include <tesseract/capi.h>

#include "ocr_internal.h"
#include "xuke/text.h"

/* Whether s[0..n) looks like a domain or web address: letters, digits and - . _ / : only, and a
 * host whose last label is two letters or more after a dot ("iyyhd.com", "www.qiming.cn",
 * "http://play.qiming.net/"; not the licence number "B1.B2-20150123"). */
static bool domain_like(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !(s[i] && strchr("-._/:", s[i])))
            return false;
    size_t host = 0, end = n; /* the host: after "scheme://", up to the first '/' */
    for (size_t i = 0; i + 3 <= n; i++)
        if (memcmp(s + i, "://", 3) == 0) {
            host = i + 3;
            break;
        }
    const char *slash = memchr(s + host, '/', n - host);
    if (slash)
        end = (size_t)(slash - s);
    size_t tld = end; /* s[tld..end): the letters it ends with */
    while (tld > host && isalpha((unsigned char)s[tld - 1]))
        tld--;
    return end - tld >= 2 && tld >= host + 2 && s[tld - 1] == '.' &&
           isalnum((unsigned char)s[tld - 2]);
}

/* s[0..*n) trimmed to its first letter or digit and its last letter, digit or '/' (as the runs
 * are gathered): the start, and the new length in *n. */
static const char *domain_core(const char *s, size_t *n)
{
    while (*n && !(isalnum((unsigned char)s[*n - 1]) || s[*n - 1] == '/'))
        (*n)--;
    while (*n && !isalnum((unsigned char)*s))
        s++, (*n)--;
    return s;
}

/* A Latin run being gathered symbol by symbol: from its first letter or digit to its last
 * letter, digit or '/', so punctuation around it (a colon after a label, a comma between
 * domains) stays out. */
typedef struct run_scan {
    bool open;
    latin_run run, all; /* run: up to the last letter, digit or '/'; all: every symbol so far */
} run_scan;

static void box_union(latin_run *r, int l, int t, int rt, int b)
{
    r->left = l < r->left ? l : r->left;
    r->top = t < r->top ? t : r->top;
    r->right = rt > r->right ? rt : r->right;
    r->bottom = b > r->bottom ? b : r->bottom;
}

static void run_close(run_scan *rs, page_line *line)
{
    if (rs->open && line->n_runs < OCR_LATIN_RUNS &&
        domain_like(line->text.data + rs->run.at, rs->run.len))
        line->runs[line->n_runs++] = rs->run;
    rs->open = false;
}

static void run_symbol(run_scan *rs, char c, size_t at, const int box[4])
{
    bool core = isalnum((unsigned char)c) || c == '/';
    if (!rs->open) {
        if (!isalnum((unsigned char)c))
            return; /* punctuation before it */
        rs->open = true;
        rs->all = (latin_run){at, 1, box[0], box[1], box[2], box[3]};
        rs->run = rs->all;
        return;
    }
    box_union(&rs->all, box[0], box[1], box[2], box[3]);
    rs->all.len = at + 1 - rs->all.at;
    if (core)
        rs->run = rs->all;
}

/* The domain-like runs of the word at it, which is bytes [word_at, ...) of line's text; boxes
 * moved by (dx, dy) into the page's coordinates. */
void xk_ocr_find_runs(const TessResultIterator *it, page_line *line, size_t word_at, int dx, int dy)
{
    TessResultIterator *sym = TessResultIteratorCopy(it);
    if (!sym)
        return;
    const TessPageIterator *pit = TessResultIteratorGetPageIteratorConst(sym);
    run_scan rs = {0};
    size_t at = word_at;
    do {
        char *ch = TessResultIteratorGetUTF8Text(sym, RIL_SYMBOL);
        size_t n = ch ? strlen(ch) : 0;
        int box[4];
        bool placed = n && at + n <= line->text.len && memcmp(line->text.data + at, ch, n) == 0;
        bool latin = placed && n == 1 && ch[0] > ' ' && ch[0] < 0x7f &&
                     TessPageIteratorBoundingBox(pit, RIL_SYMBOL, &box[0], &box[1], &box[2],
                                                 &box[3]);
        TessDeleteText(ch);
        if (!placed) { /* the symbols do not spell the word: no runs from it */
            rs.open = false;
            break;
        }
        if (latin) {
            box[0] += dx, box[2] += dx, box[1] += dy, box[3] += dy;
            run_symbol(&rs, line->text.data[at], at, box);
        } else {
            run_close(&rs, line);
        }
        at += n;
    } while (!TessPageIteratorIsAtFinalElement(pit, RIL_WORD, RIL_SYMBOL) &&
             TessResultIteratorNext(sym, RIL_SYMBOL));
    run_close(&rs, line);
    TessResultIteratorDelete(sym);
}

/* The domain-like words eng read in the image set in it, each trimmed to its first letter or
 * digit and its last letter, digit or '/' (as the runs are), joined by "、" into out; their
 * number, and in *conf the lowest of their confidences. */
static size_t latin_domains(TessBaseAPI *latin, xk_buf *out, int *conf, double *left)
{
    TessResultIterator *it =
        xk_ocr_recognise_within(latin, left) ? TessBaseAPIGetIterator(latin) : NULL;
    size_t n_domains = 0;
    *conf = 100;
    do {
        char *word = it ? TessResultIteratorGetUTF8Text(it, RIL_WORD) : NULL;
        size_t n = word ? strlen(word) : 0;
        const char *w = domain_core(word ? word : "", &n);
        if (domain_like(w, n)) {
            int c = (int)(TessResultIteratorConfidence(it, RIL_WORD) + 0.5);
            *conf = c < *conf ? c : *conf;
            if (n_domains++)
                xk_buf_puts(out, "、");
            xk_buf_append(out, w, n);
        }
        TessDeleteText(word);
    } while (it && TessResultIteratorNext(it, RIL_WORD));
    TessResultIteratorDelete(it);
    return n_domains;
}

/* Keeps a fix of bytes [at, at + len) of l's text to `to` and makes it. */
static void fix_line(page_line *l, size_t at, size_t len, const char *to, size_t to_len)
{
    if (len >= sizeof l->fixes[0].from || to_len >= sizeof l->fixes[0].to ||
        !xk_ocr_line_note_fix(l, l->text.data + at, len, to, to_len))
        return;
    xk_buf_splice(&l->text, at, len, to, to_len);
}

/* Whether a and b (n bytes each) are the same but for letter case and the digit 1 in b where a
 * has a letter like it (l, L, I, i, |); *ones counts those. */
static bool same_but_ones(const char *a, const char *b, size_t n, int *ones)
{
    for (size_t i = 0; i < n; i++) {
        if (tolower((unsigned char)a[i]) == tolower((unsigned char)b[i]))
            continue;
        if (b[i] != '1' || !strchr("lLIi|", a[i]))
            return false;
        (*ones)++;
    }
    return true;
}

/*
 * Whether eng's reading b differs from the page's a only in the digit 1: chi_sim reads a 1
 * among letters and digits as a letter like it (site10x0b21 → sitel0x0b21, 10x1b21 → 10xlb21)
 * or as two symbols, a letter and the 1 (x1b21 → xL1b21, site11x0 → sitel11x0): 14 fields of
 * 24 synthetic licences, clean and noisy. eng read them right at 70-87, under
 * OCR_LATIN_SURE, and was never seen to make the opposite mistake. So b may have a 1 where a
 * has l, L, I, i or |, and may lack one such letter of a that stands next to a 1.
 */
static bool eng_ones(const char *a, size_t na, const char *b, size_t nb)
{
    int ones = 0;
    if (na == nb)
        return same_but_ones(a, b, na, &ones) && ones > 0;
    if (na != nb + 1)
        return false;
    for (size_t i = 0; i < na; i++) { /* a without its letter i */
        bool by_one = (i + 1 < na && a[i + 1] == '1') || (i > 0 && a[i - 1] == '1');
        if (!strchr("lLIi|", a[i]) || !by_one || memcmp(a, b, i) != 0)
            continue;
        ones = 0;
        if (same_but_ones(a + i + 1, b + i, nb - i, &ones))
            return true;
    }
    return false;
}

/*
 * Tesseract's Chinese model reads Latin letters less surely than its English one: on a clean
 * render it read the domain iyyhd.com as jyyhd.com, and xinghe-mall.com.cn as
 * xinghe-mallcom.cn on a tilted one; eng, given the domain alone, read both right. So each
 * domain-like run of a line is read again by eng, and when the two differ:
 * - eng's reading replaces the run when eng is sure of it (confidence OCR_LATIN_SURE or more)
 *   and it is about as long (two characters more or less); it is kept as a fix, so the field it
 *   lands in is flagged for review: the two models disagreed, a person looks;
 * - else the page's reading stays and the line takes eng's confidence when lower, so an unsure
 *   disagreement is flagged too — and so is an unsure agreement: on a tilted render both read
 *   site10x0b21.cn as sitel0x0b21.cn, eng at 51, where the page's word said 98.
 * Measured on 15 domains of look-alike letters (il1, rn/m, 0o) in seed 003's layout, clean and
 * noisy: eng was wrong where it was unsure (rnmrn → rmmrn at 69-76, 0o0 → 000 at 77-81,
 * news.qiming → news.giming at 50) and right where it was sure (85 and above).
 */
#define OCR_LATIN_SURE 85

static void read_runs(TessBaseAPI *latin, PIX *image, page_line *l, double *left)
{
    xk_buf now;
    xk_buf_init(&now);
    for (int k = l->n_runs - 1; k >= 0; k--) { /* from the end: earlier offsets stay put */
        const latin_run *run = &l->runs[k];
        const char *was = l->text.data + run->at;
        int dx, dy, conf = 0;
        PIX *framed =
            xk_ocr_framed_crop(image, run->left, run->top, run->right, run->bottom, &dx, &dy);
        if (!framed)
            continue;
        TessBaseAPISetImage2(latin, framed);
        xk_buf_reset(&now);
        bool read = latin_domains(latin, &now, &conf, left) == 1 && !now.oom;
        bool differs = read && (now.len != run->len || memcmp(now.data, was, run->len) != 0);
        bool sure = conf >= OCR_LATIN_SURE && now.len + 2 >= run->len && now.len <= run->len + 2;
        const char *pick = was;
        size_t pick_len = run->len;
        if (differs && (sure || eng_ones(was, run->len, now.data, now.len)))
            pick = now.data, pick_len = now.len;
        else if (read && conf < l->min_conf) /* eng unsure, agreeing or not */
            l->min_conf = conf;
        char tall[64]; /* the pick with its 1s and ls as their heights say */
        if (pick_len <= sizeof tall &&
            xk_ocr_ones_by_height(image, run, pick, pick_len, tall, &pick_len))
            pick = tall;
        if (pick != was)
            fix_line(l, run->at, run->len, pick, pick_len);
        TessBaseAPIClear(latin);
        pixDestroy(&framed);
    }
    xk_buf_free(&now);
}

/* Whether the code point is one that separates the domains of a list: 、，； , ; or space. */
static bool domain_separator(unsigned cp)
{
    return cp == 0x3001 || cp == 0xFF0C || cp == 0xFF1B || cp == ',' || cp == ';' || cp == ' ';
}

/* Where the value of a 网站域名 line starts (after the label, its colon and spaces) when the
 * Chinese model read it as something no domain list is: a character no domain holds
 * (网站域名: j放Lcom for jiijl.com) or a name that is not domain-like (dianjing-jLcom, its dot
 * lost), else 0. */
static size_t garbled_domains(const xk_buf *t)
{
    static const char label[] = "网站域名";
    size_t i = sizeof label - 1;
    if (t->len <= i || memcmp(t->data, label, i) != 0)
        return 0;
    while (i < t->len && t->data[i] == ' ')
        i++;
    i += t->data[i] == ':' ? 1 : strncmp(t->data + i, "：", 3) == 0 ? 3 : 0;
    while (i < t->len && t->data[i] == ' ')
        i++;
    size_t value = i, word = i;
    while (i <= t->len) {
        unsigned cp = 0;
        size_t n = i < t->len ? xk_utf8_decode(t->data + i, t->len - i, &cp) : 1;
        if (n == 0 || (i < t->len && cp >= 0x80 && !domain_separator(cp)))
            return value;
        if (i == t->len || domain_separator(cp)) {
            size_t len = i - word; /* the name, its punctuation trimmed as the runs are */
            const char *name = domain_core(t->data + word, &len);
            if (len && !domain_like(name, len))
                return value;
            word = i + n;
        }
        i += n;
    }
    return 0;
}

/* A garbled 网站域名 line read again whole by eng: its domains replace the value (a fix, so
 * flagged), and the line takes eng's confidence when lower. */
static void read_domain_line(TessBaseAPI *latin, PIX *image, page_line *l, size_t value,
                             double *left)
{
    int dx, dy, conf = 0;
    PIX *framed = xk_ocr_framed_crop(image, l->left, l->top, l->right, l->bottom, &dx, &dy);
    if (!framed)
        return;
    TessBaseAPISetImage2(latin, framed);
    xk_buf now;
    xk_buf_init(&now);
    if (latin_domains(latin, &now, &conf, left) > 0 && !now.oom) {
        fix_line(l, value, l->text.len - value, now.data, now.len);
        l->min_conf = conf < l->min_conf ? conf : l->min_conf;
    }
    xk_buf_free(&now);
    TessBaseAPIClear(latin);
    pixDestroy(&framed);
}

void xk_ocr_read_latin(const xk_ocr_options *o, PIX *image, page_lines *pl, double *left)
{
    if (strcmp(OCR_LANGUAGES(o), "eng") == 0)
        return;
    TessBaseAPI *latin = NULL;
    for (size_t i = 0; i < pl->n; i++) {
        page_line *l = &pl->items[i];
        size_t value = l->text.oom ? 0 : garbled_domains(&l->text);
        if (!value && !l->n_runs)
            continue;
        /* started on the first domain; without eng installed the page's reading stands */
        if (!latin) {
            if (!(latin = xk_ocr_engine_get(OCR_ENGINE_LATIN, o->datapath, "eng", NULL)))
                return;
            TessBaseAPISetPageSegMode(latin, PSM_SINGLE_LINE);
        }
        if (value)
            read_domain_line(latin, image, l, value, left);
        else
            read_runs(latin, image, l, left);
    }
}
