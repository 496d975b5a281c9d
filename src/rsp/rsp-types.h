/* SPDX-License-Identifier: Apache-2.0 */
/* Types of the RSP definitions (SGP.22 v2.5, SGP.32 v1.2) that more than one interface carries: the eUICC's ES10
 * messages (src/card/) and the eIM's ESipa messages (src/net/) both speak them, so they live below both. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* VersionType: major.minor.revision, one octet each. */
typedef struct {
  guint8 major;
  guint8 minor;
  guint8 revision;
} RspVersion;

/* "2.3.0"; the result is newly allocated. */
gchar *rsp_version_to_string (const RspVersion *version);

/* NotificationEvent bits, as a mask (bit n of the BIT STRING = 1 << n). */
typedef enum {
  RSP_NOTIFICATION_INSTALL = 1 << 0,
  RSP_NOTIFICATION_ENABLE = 1 << 1,
  RSP_NOTIFICATION_DISABLE = 1 << 2,
  RSP_NOTIFICATION_DELETE = 1 << 3,
} RspNotificationEvent;

/* Search criteria of RetrieveNotificationsListRequest (ES10b) and of IpaEuiccDataRequest (ESipa). */
typedef enum {
  RSP_NOTIFICATION_SEARCH_ALL = 0,
  RSP_NOTIFICATION_SEARCH_SEQ_NUMBER,
  RSP_NOTIFICATION_SEARCH_OPERATION,
  RSP_NOTIFICATION_SEARCH_EUICC_PACKAGE_RESULTS,
} RspNotificationSearchKind;

typedef struct {
  RspNotificationSearchKind kind;
  gint64 seq_number;                  /* for RSP_NOTIFICATION_SEARCH_SEQ_NUMBER */
  guint32 operation;                  /* RspNotificationEvent mask, for RSP_NOTIFICATION_SEARCH_OPERATION */
} RspNotificationSearch;

G_END_DECLS
