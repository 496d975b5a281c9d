/* SPDX-License-Identifier: Apache-2.0 */
/* A ProvideEimPackageResult kept on disk until its eIM accepted it, in a binding-neutral form: the same record
 * is sent later with either the ASN.1 or the JSON binding. */
#pragma once

#include <glib.h>

#include "net/esipa-types.h"

G_BEGIN_DECLS

/* An owned copy of an EsipaEimPackageResult: `result` points into the record's own buffers. */
typedef struct {
  EsipaEimPackageResult result;
  guint8 eid[16];
  GBytes *euicc_package_result;
  GPtrArray *notifications;
  GBytes *ipa_euicc_data_response;
  GBytes *profile_download_trigger_result;
  GBytes *eim_transaction_id;
} IpaResultRecord;

GBytes *ipa_result_record_encode (const EsipaEimPackageResult *result);
/* Refuses anything that is not a record of this format, naming what is wrong. */
IpaResultRecord *ipa_result_record_decode (GBytes *bytes, GError **error);
void ipa_result_record_free (IpaResultRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IpaResultRecord, ipa_result_record_free)

G_END_DECLS
