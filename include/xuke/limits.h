/*
 * Every limit xuke enforces, in one place. Exceeding one is an error with a message naming the
 * limit, never a silent cut. The README's Limits table lists them for users; keep the two in
 * step.
 */
#ifndef XUKE_LIMITS_H
#define XUKE_LIMITS_H

/* Largest licence document accepted by default (parse, import, upload); --max-size overrides. */
#define XK_MAX_DOCUMENT_BYTES (4u * 1024u * 1024u)
/* Hard ceiling on --max-size so one document cannot claim all memory. */
#define XK_MAX_DOCUMENT_BYTES_CEILING (64u * 1024u * 1024u)
/* `xuke parse` of several text files: how far the parsing threads may run ahead of the printing
 * (each file's output is held in memory until its turn to be printed, in argument order), and at
 * most this many threads (one per core). */
#define XK_PARSE_BATCH 32u
#define XK_PARSE_THREADS_MAX 16
/* Lines in one document (a real licence has a few hundred). */
#define XK_MAX_LINES 200000u
/* Services, websites, domains per website, provisions, items per provision. */
#define XK_MAX_SERVICES 64u
#define XK_MAX_WEBSITES 4096u
#define XK_MAX_DOMAINS 256u
#define XK_MAX_PROVISIONS 99u
#define XK_MAX_ITEMS 99u
/* Items in one 仅限/含/不含, condition or coverage list of a service. */
#define XK_MAX_QUALIFIERS 256u
/* Problems reported for one document before the rest are summarised in one line. */
#define XK_MAX_PROBLEMS 64u
/* Columns of an appendix table (序号, 网站名称, 网站域名, …); a wider table is refused with a
 * message naming its line. */
#define XK_MAX_TABLE_COLUMNS 16u
/* Bytes of a table cell, joined over its wrapped lines; a longer one is refused with a message. */
#define XK_MAX_TABLE_CELL_BYTES 4096u
/* Bytes of a company's or a website's name (256 CJK characters); a longer one is refused at
 * import, naming its line, and read back whole everywhere (search, domain answers, agenda). */
#define XK_MAX_NAME_BYTES 768u
/* Bytes of a value read or given in one correction on review of a scan (a provision's text is
 * the longest field corrected); a longer one is refused. */
#define XK_MAX_CORRECTION_BYTES 4096u
/* Longest host name (RFC 1035). */
#define XK_MAX_HOST 253u
/* Licences one domain answer lists (a host shared by more says "more": true, never a silent
 * cut). */
#define XK_MAX_HOST_LICENCES 100u
/* Bytes of a text given as a licence number's address (an API path segment, a CLI argument):
 * the longest normal form is 20 bytes; the rest allows white space and full-width forms. */
#define XK_NUMBER_ADDRESS_MAX 128u
/* Bytes of a removal's or a voided event's reason: a longer one is refused, never cut (it is
 * read back whole). */
#define XK_MAX_REASON_BYTES 255u
/* Evidence of a duty done (a receipt or acceptance notice, PDF, PNG or JPEG): bytes of one file,
 * files kept with one event, and bytes of a file's name as given. A larger file, one more file or
 * a longer name is refused, naming the limit; nothing of the event is stored then. */
#define XK_MAX_EVIDENCE_BYTES (8u * 1024u * 1024u)
#define XK_MAX_EVIDENCE_FILES 8u
#define XK_MAX_EVIDENCE_NAME_BYTES 255u
/* The earliest year a baseline ("annual reports up to YEAR were filed") may name: a guard
 * against a mistyped year (a licence lasts five years, so no report that old is still asked). */
#define XK_BASELINE_MIN_YEAR 2000
/* Licences `xuke search` lists without --limit or --all; a list cut short says "shown N of M"
 * on stderr and carries shown, total and truncated in its JSON. */
#define XK_SEARCH_DEFAULT_LIMIT 100u
/* Scans: repairs of OCR text and snaps to the standard wording listed one by one for review; a
 * line longer than XK_MAX_OCR_LINE_CHARS characters is left as read. Beyond any of these the
 * whole document is flagged for review ("too many to list"), never a repair left unflagged. */
#define XK_MAX_OCR_REPAIRS 256u
#define XK_MAX_OCR_SNAPS 128u
#define XK_MAX_OCR_LINE_CHARS 1024u
/* Lines of one scan read below the review confidence whose image is kept after its page for a
 * second, independent reading (src/ocr/second.c): a field on a line beyond them stays flagged. */
#define XK_MAX_OCR_KEPT_LINES 256u
/* Other lines of one scan whose image is kept for a provision's or service condition's
 * confirming reading (src/ocr/confirm.c): about 100 KB each, so at most ~40 MB a scan; a
 * provision on a line beyond them stays flagged as before. */
#define XK_MAX_OCR_KEPT_WORDING_LINES 384u
/* Lines of one provision or service compared with a second reading to confirm its standard
 * wording (src/ocr/scan.c); a longer one stays flagged. The longest standard provision (十六,
 * 14 items) prints in about 50 lines. */
#define XK_MAX_OCR_WORDING_LINES 96u
/* Fields of one scanned licence checked one by one for review: the scalars, every service,
 * website and provision. */
#define XK_MAX_REVIEW_SPANS (16u + XK_MAX_SERVICES + XK_MAX_WEBSITES + XK_MAX_PROVISIONS)

/* The standard wording of provisions (data/provisions.txt): bytes of the file, characters of one
 * entry; clauses shorter than the first minimum and sentences shorter than the second are too
 * short to be recognised by their wording and are not compared. */
#define XK_MAX_WORDING_BYTES (1024u * 1024u)
#define XK_MAX_WORDING_CHARS 400u
#define XK_WORDING_CLAUSE_MIN 6u
#define XK_WORDING_SENTENCE_MIN 12u
/* A published list file (CSV, XLSX, notice text) and, for an XLSX, each part read out of it. */
#define XK_MAX_LIST_BYTES (16u * 1024u * 1024u)
/* Entries in one published list. */
#define XK_MAX_LIST_ENTRIES 100000u
/* Bytes of one field of a list entry (company, reason, authority) and of a list's source. */
#define XK_MAX_LIST_FIELD_BYTES 255u
/* Columns of one row of a list. */
#define XK_MAX_LIST_COLUMNS 64u
/* Homepage checks: bytes of one homepage, seconds for one fetch (redirects included), redirects
 * followed, fetches at once over all websites, milliseconds between two requests to one host. */
#define XK_SITE_MAX_BYTES (2u * 1024u * 1024u)
#define XK_SITE_TIMEOUT_SECONDS 20
#define XK_SITE_MAX_REDIRECTS 5
#define XK_SITE_CONCURRENCY 8u
#define XK_SITE_PER_HOST_MS 1000
/* Websites checked in one run (a registry holds at most this many hosts to visit at once). */
#define XK_SITE_MAX_TARGETS 1000000u
/* A PostgreSQL registry: seconds one statement waits for a lock (another writer's transaction)
 * before it fails with an error, and parameters in one statement. */
#define XK_PG_LOCK_TIMEOUT_SECONDS 60
#define XK_PG_MAX_PARAMS 256
/* licences a bulk import on PostgreSQL stores together (COPY), within its transaction's batch */
#define XK_PG_IMPORT_ROWS 500
/* bytes of COPY rows a PostgreSQL bulk import makes before sending them: the server stores
 * each such piece while the next is made (a speed setting; any size stores the same rows) */
#define XK_PG_COPY_PIECE_BYTES (256u * 1024u)
/* rows of a scan over the whole registry (an export, status or agenda over every licence, db
 * copy, backup, the audit chain's verification) read from PostgreSQL at a time: this process
 * holds one such batch, never the whole result */
#define XK_PG_FETCH_ROWS 1000

/* The server's answers kept in memory (GET /v1/licenses/{n}, /v1/licenses?…, /v1/domains/{h}),
 * each valid while the store stays at the revision it was computed at: bytes of all of them
 * together (keys and bookkeeping included), the least recently used dropped first; an answer
 * over an eighth of it is not kept. */
#define XK_SRV_ANSWERS_BYTES (32u * 1024u * 1024u)
/* Beside them, the facts of licences (status, lists, … about 1 KiB each with bookkeeping), each
 * valid as long: a licence whose answer was dropped is composed again from its stored record
 * alone, nothing computed. Bytes of all of them together, the least recently used dropped first. */
#define XK_SRV_FACTS_BYTES (32u * 1024u * 1024u)

/* Bytes of a SQLite store the server's connections read through a memory map
 * (xk_store_map_reads): a record is copied once, from the kernel's page cache, not read by pread
 * into each connection's page cache first. SQLite caps it at 2 GiB; a larger store's pages past
 * that are read as before. The pages touched count in the server's resident set though they are
 * the page cache's, not the server's heap (bench/server_memory.py reports the two apart). */
#define XK_SRV_STORE_MAP_BYTES (2048ull * 1024u * 1024u)

/* The server's OCR job queue (src/server/jobs.c): scans waiting or being read, by default and at
 * most (--ocr-queue; one more is 503 with Retry-After); of those for one token or anonymous
 * address, by default and at most (--ocr-per-token; one more is 429 with Retry-After); finished
 * jobs kept for their owners to fetch (the oldest dropped first); threads reading scans at most
 * (--ocr-workers; by default the cores less one, at least one). A worker with no job reads pages
 * of a running job, so a document's pages are read in parallel when workers are free. */
#define XK_SRV_OCR_QUEUE 16u
#define XK_SRV_OCR_QUEUE_MAX 1024u
#define XK_SRV_OCR_PER_TOKEN 4u
#define XK_SRV_OCR_KEEP 256u
#define XK_SRV_OCR_WORKERS_MAX 64u

/* A holiday notice (xuke calendar import): bytes read, holidays (a notice has 6 or 7), make-up
 * working days (a notice has up to 9) and bytes of one numbered item joined over its lines. */
#define XK_NOTICE_MAX_BYTES (64u * 1024u)
#define XK_NOTICE_MAX_HOLIDAYS 16
#define XK_NOTICE_MAX_WORKDAYS 32
#define XK_NOTICE_MAX_ITEM_BYTES 4096u
/* The configuration file of xuke serve --config (a few hundred bytes in practice). */
#define XK_SERVE_CONFIG_MAX_BYTES (64u * 1024u)
/* A calendar file: the most xk_calendar_load reads, and so the most calendar import writes. */
#define XK_CALENDAR_MAX_BYTES (1u << 20)
/* Reminders (src/notify/): thresholds in one --days list and the largest; licences one
 * subscription names; bytes of a target (URL or address), of a secret and of a company filter;
 * seconds for one send; how long a message keeps being retried; the first retry's delay (each
 * next one doubles, up to the cap); how long a sender's claim on a message lasts (a sender that
 * died is replaced after it); items in one digest message (more make a second one that day). */
#define XK_NOTIFY_MAX_DAYS 16u
#define XK_NOTIFY_MAX_DAYS_VALUE 3650
#define XK_NOTIFY_MAX_LICENCES 64u
#define XK_NOTIFY_MAX_TARGET 512u
#define XK_NOTIFY_MAX_SECRET 256u
#define XK_NOTIFY_MAX_COMPANY 255u
#define XK_NOTIFY_TIMEOUT_SECONDS 30
#define XK_NOTIFY_RETRY_HOURS 24
#define XK_NOTIFY_RETRY_FIRST_SECONDS 60
#define XK_NOTIFY_RETRY_CAP_SECONDS 3600
#define XK_NOTIFY_CLAIM_SECONDS 90
#define XK_NOTIFY_DIGEST_ITEMS 200u
/* Bytes of one message part each service takes: WeCom's markdown content (4096), DingTalk's and
 * Feishu's request bodies (20 000, with room for the JSON around the text). A longer message is
 * split at line ends, a longer line at a character boundary, never inside a character. */
#define XK_NOTIFY_WECOM_MARKDOWN_BYTES 4096u
#define XK_NOTIFY_DINGTALK_BYTES 18000u
#define XK_NOTIFY_FEISHU_BYTES 18000u
/* Messages one robot takes: DingTalk 20 a minute, Feishu 5 a second. */
#define XK_NOTIFY_DINGTALK_PER_MINUTE 20
#define XK_NOTIFY_FEISHU_PER_SECOND 5
/* Bytes of a service's answer kept in the delivery log. */
#define XK_NOTIFY_ANSWER_BYTES 400u

/* Accounts and sign-in (xuke/users.h): bytes of a password, fewest and most; a session ends
 * after this long unused and this long after sign-in, whatever its use; its last use is written
 * at most once per XK_SESSION_TOUCH_SECONDS. Failed sign-ins: free per account and per client
 * address, then each next attempt waits 1 s, 2 s, 4 s, … up to the most; a count is forgotten
 * this long after its last failure. Password checks (Argon2id, 64 MiB each) run in the server
 * at most this many at once (503 beyond). */
#define XK_PASSWORD_MIN_BYTES 10u
#define XK_PASSWORD_MAX_BYTES 256u
#define XK_SESSION_IDLE_SECONDS 1800
#define XK_SESSION_MAX_SECONDS 43200
#define XK_SESSION_TOUCH_SECONDS 60
#define XK_SIGNIN_FREE_FAILURES 5
#define XK_SIGNIN_FREE_FAILURES_ADDRESS 20
#define XK_SIGNIN_MAX_DELAY_SECONDS 900
#define XK_SIGNIN_FORGET_SECONDS 3600
#define XK_SIGNIN_CONCURRENT 4

#endif
