/* SPDX-License-Identifier: Apache-2.0 */
/* Whose an item on the eUICC's notification list is: eIMs are isolated from each other, so each item goes
 * only to the eIM it is for, and an eIM's acknowledgement never removes what is held for someone else.
 *  - an eUICC package result (BF51) is for the eIM whose eimId it carries;
 *  - a profile notification is for the eIM whose eimFqdn its notificationAddress names (hosts compared
 *    case-insensitively, a port counting only when both sides give one); one that names no eIM, or more than
 *    one, is for an SM-DP+ and stays on the eUICC until a profile download delivers it there.
 * Pure functions, unit-tested without a card. */
#pragma once

#include <glib.h>

#include "card/es10.h"

G_BEGIN_DECLS

/* Whether notificationAddress `address` and eimFqdn `fqdn` name the same server. Both may carry a port
 * ("host:port", "[v6]:port") and, tolerated, a scheme and a path. An exact match needs equal hosts and equal
 * ports (or none on both); a loose match equal hosts with a port on one side only. */
typedef enum {
  IPA_ADDRESS_DIFFERENT = 0,
  IPA_ADDRESS_SAME_HOST,    /* equal hosts, a port on one side only */
  IPA_ADDRESS_SAME,         /* equal hosts and ports */
} IpaAddressMatch;

IpaAddressMatch ipa_address_match (const gchar *address, const gchar *fqdn);

/* The eIM (of `eims`, Es10EimConfiguration) a notificationAddress names, or NULL for an SM-DP+ (or when
 * more than one eIM fits equally well: such a notification is not given to any of them). */
const Es10EimConfiguration *ipa_address_owner (const gchar *address, const GPtrArray *eims);

/* Whether the list item `n` is for the eIM `eim_id`; `eims` are every eIM configured on the eUICC. */
gboolean ipa_item_is_for (const Es10PendingNotification *n, const gchar *eim_id, const GPtrArray *eims);

/* Of the seqNumbers an eIM acknowledged (`acknowledged`, gint64), those to remove from the eUICC: every one
 * except those the last list read (`last_list`, Es10PendingNotification, NULL when none was read) showed to
 * be held for another eIM or for an SM-DP+. Duplicates are dropped. A newly allocated array of gint64. */
GArray *ipa_removable_seq_numbers (const GArray *acknowledged, const GPtrArray *last_list, const gchar *eim_id,
                                   const GPtrArray *eims);

G_END_DECLS
