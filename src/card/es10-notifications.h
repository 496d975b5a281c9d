/* SPDX-License-Identifier: Apache-2.0 */
/* ES10b notification functions: RetrieveNotificationsList (the signed notifications and eUICC package results
 * to deliver), ListNotification (metadata only) and RemoveNotificationFromList (after delivery). */
#pragma once

#include <glib.h>

#include "card/es10-types.h"
#include "card/isdr-session.h"

G_BEGIN_DECLS

/* SGP32-RetrieveNotificationsListRequest (BF2B); search NULL: every pending notification (BF2B00). Fails when
 * an operation search has no or several bits set. */
GBytes *es10_retrieve_notifications_list_encode (const RspNotificationSearch *search, GError **error);
/* SGP32-RetrieveNotificationsListResponse; notificationsListResultError is returned in the list. */
Es10PendingNotificationList *es10_retrieve_notifications_list_decode (const guint8 *data, gsize length,
                                                                      GError **error);
gboolean es10_retrieve_notifications_list (IsdrSession *session, const RspNotificationSearch *search,
                                           Es10PendingNotificationList **ret_list, GError **error);

/* One PendingNotification or EuiccPackageResult TLV (BF37, 30, A0, A1 or BF51), e.g. from an IpaEuiccData. */
Es10PendingNotification *es10_pending_notification_decode (const guint8 *data, gsize length, GError **error);

/* ListNotificationRequest (BF28); operation 0: all (BF2800), else one RspNotificationEvent bit. */
GBytes *es10_list_notification_encode (guint32 operation, GError **error);
Es10NotificationMetadataList *es10_list_notification_decode (const guint8 *data, gsize length, GError **error);
gboolean es10_list_notification (IsdrSession *session, guint32 operation, Es10NotificationMetadataList **ret_list,
                                 GError **error);

/* NotificationSentRequest (BF30) {seqNumber}. The result is deleteNotificationStatus (Es10RemoveNotificationResult;
 * other values are passed through). */
GBytes *es10_remove_notification_from_list_encode (gint64 seq_number);
gboolean es10_remove_notification_from_list_decode (const guint8 *data, gsize length, gint64 *ret_status,
                                                    GError **error);
gboolean es10_remove_notification_from_list (IsdrSession *session, gint64 seq_number, gint64 *ret_status,
                                             GError **error);

const gchar *es10_notification_event_to_string (guint32 operation);

G_END_DECLS
