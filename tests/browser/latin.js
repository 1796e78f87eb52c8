/*
 * Latin words in Chinese text, for the checks that the zh pages and the zh catalogue are Chinese
 * (pages.test.js walks the pages, catalogue.test.js reads zh.json).
 *
 * The zh pages may show no Latin word outside: numbers and dates; licence numbers (京B2-20224676),
 * ICP filing numbers (京ICP备12345678号) and catalogue codes (B1, B2-1); hostnames, URLs and
 * e-mail addresses; hex digests; what a person typed or a document says (marked translate="no":
 * names of people and tokens, notes, reasons, a reminder as it was sent, a source document, and
 * the server's or a connection's own account of a failure, shown after its translated meaning
 * with lang="en"); and this short list, each a name a reader meets as it is written:
 *   xuke          the product's name;
 *   API           what scripts use (the token is an API token, the footer links the API document);
 *   PDF PNG JPEG TIFF   file formats, named as on the files a person picks;
 *   UTF-8 GB18030 the text encodings a licence file may be in, named as editors name them;
 *   SHA-256       the digest whose hex names a source document;
 *   English       the switch names the other language in that language. */
'use strict';

const LATIN_ALLOWED = new Set(['xuke', 'API', 'PDF', 'PNG', 'JPEG', 'TIFF', 'UTF-8', 'GB18030', 'SHA-256', 'English']);

function latinWords(text) {
  const found = [];
  /* an ICP filing number (京ICP备12345678号-1) is a code, as a licence number is */
  for (const token of text.replace(/[\u4e00-\u9fff]ICP备\d+号(-\d+)?/g, ' ').split(/[^A-Za-z0-9._:\/@+\-?=&%#*~]+/)) {
    if (!/[A-Za-z]/.test(token)) continue;
    const tok = token.replace(/^[.:\-]+|[.:\-]+$/g, '');
    if (LATIN_ALLOWED.has(tok)) continue;
    if (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(tok)) continue;                 /* a URL */
    if (/^[^@\s]+@([a-z0-9-]+\.)+[a-z]{2,}$/i.test(tok)) continue;          /* an e-mail address */
    if (/^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,}$/i.test(tok)) continue;           /* a hostname */
    if (/^[AB][12](\.B[12])?-\d{8}$/.test(tok)) continue;                   /* a licence number */
    if (/^[AB][12]\d?(-\d{1,2})?(\.[AB][12])?$/.test(tok)) continue;        /* a catalogue code or category */
    if (/^[0-9a-f]{12,}$/i.test(tok)) continue;                             /* a hex digest */
    found.push(tok);
  }
  return found;
}

module.exports = { latinWords, LATIN_ALLOWED };
