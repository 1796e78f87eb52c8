/*
 * xuke: value-added telecom business licences (增值电信业务经营许可证) as structured, validated
 * records. Umbrella header for the library; include the module headers directly if you prefer.
 */
#ifndef XUKE_H
#define XUKE_H

#define XUKE_VERSION "0.1.0"

#include "xuke/agenda.h"
#include "xuke/calendar.h"
#include "xuke/catalogue.h"
#include "xuke/checks_store.h"
#include "xuke/date.h"
#include "xuke/diff.h"
#include "xuke/duties.h"
#include "xuke/error.h"
#include "xuke/licence.h"
#include "xuke/notice.h"
#include "xuke/limits.h"
#include "xuke/record_json.h"
#include "xuke/registry.h"
#include "xuke/rules.h"
#include "xuke/store.h"
#include "xuke/text.h"
#include "xuke/tokens.h"
#include "xuke/users.h"
#include "xuke/validate.h"
#include "xuke/views.h"
#include "xuke/ocr.h"
#include "xuke/import.h"

#endif
