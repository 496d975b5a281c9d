/* SPDX-License-Identifier: Apache-2.0 */
/* TLS trust for an SM-DP+ (ES9+) or SM-DS (ES11), as SGP.22 2.6.6 / SGP.32 3.2.3.1 want it: the server's TLS
 * certificate must chain to a GSMA CI certificate whose public key the eUICC trusts, that is whose
 * SubjectKeyIdentifier is in the eUICC's euiccCiPKIdListForVerification (EUICCInfo1). The operator installs CI
 * certificates (PEM) in a file or a directory ([Download] CiCertificates=); for each download the ones the
 * card names become the exchange's only anchors (HTTPS_TRUST_CI_CERTIFICATES): no system CA, no CA file, no
 * fallback. */
#pragma once

#include <glib.h>

#include "net/tls-trust.h"

G_BEGIN_DECLS

#define SMDP_TRUST_DEFAULT_CI_PATH "/etc/euiccd/ci"

typedef struct _SmdpTrustStore SmdpTrustStore;

/* Reads the CI certificates at @path: a PEM file with one or more certificates, or a directory whose *.pem and
 * *.crt files are read (in name order). A certificate without basicConstraints cA or without a
 * SubjectKeyIdentifier is not a CI: it is skipped with a warning. Errors (EUICCD_ERROR_CONFIG) name the path:
 * unreadable, not PEM, or no usable CI certificate at all. */
SmdpTrustStore *smdp_trust_store_load (const gchar *path, GError **error);
/* The same from PEM text (tests, fuzzing); @origin names it in messages. */
SmdpTrustStore *smdp_trust_store_new_from_pem (const gchar *pem, gsize length, const gchar *origin, GError **error);
void smdp_trust_store_free (SmdpTrustStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SmdpTrustStore, smdp_trust_store_free)

/* Number of CI certificates held, and the SubjectKeyIdentifier of the i-th (upper-case hex). */
guint smdp_trust_store_get_size (const SmdpTrustStore *store);
const gchar *smdp_trust_store_get_pkid (const SmdpTrustStore *store, guint i);

/* The trust for one download: the held CI certificates whose SubjectKeyIdentifier is one of @ci_pkids (GBytes,
 * the key identifiers of euiccCiPKIdListForVerification, as Es10EuiccInfo1.ci_pkids_verification holds them).
 * When none matches, EUICCD_ERROR_NOT_FOUND naming the PKIds the card wants and those configured. */
HttpsTrust *smdp_trust_store_select (const SmdpTrustStore *store, GPtrArray *ci_pkids, GError **error);

/* The SubjectKeyIdentifier of a DER certificate, NULL when it has none or does not parse. Exposed for tests. */
GBytes *smdp_trust_certificate_ski (const guint8 *der, gsize length);

G_END_DECLS
