/* SPDX-License-Identifier: Apache-2.0 */
/* What the eUICC says the eIM's TLS server must present (EimConfigurationData.trustedPublicKeyDataTls),
 * turned into something libcurl can enforce:
 *   - a DER SubjectPublicKeyInfo            -> pin that key
 *   - a DER certificate with cA TRUE         -> the only trust anchor (PEM for CURLOPT_CAINFO_BLOB; the
 *                                               HTTPS client leaves the CA file and system store out)
 *   - a DER end-entity certificate           -> pin its key, and accept the certificate itself as an
 *                                               anchor (so a self-signed eIM certificate works), still
 *                                               with host name checking.
 * A pin is checked in addition to normal chain verification: a bare public key cannot make an untrusted
 * chain trusted, it can only narrow what is accepted. Verification is never switched off. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  HTTPS_TRUST_PINNED_KEY,      /* input was a SubjectPublicKeyInfo */
  HTTPS_TRUST_CA_CERTIFICATE,  /* input was a certificate with basicConstraints cA TRUE */
  HTTPS_TRUST_SERVER_CERTIFICATE, /* input was an end-entity certificate: pinned and anchored */
  HTTPS_TRUST_CI_CERTIFICATES, /* GSMA CI certificates an SM-DP+ or SM-DS must chain to (smdp-trust.h): the only
                                * anchors, never widened by the CA file, the system store or WidenEuiccTrust */
} HttpsTrustKind;

typedef struct _HttpsTrust HttpsTrust;

/* Parses trustedPublicKeyDataTls (DER, either form). @field names the input in errors (e.g.
 * "trustedPublicKeyDataTls"); NULL means that name. Errors: EUICCD_ERROR_INVALID_DATA naming the field
 * and what did not parse. */
HttpsTrust *https_trust_new_from_der (const guint8 *der, gsize der_len, const gchar *field, GError **error);
HttpsTrust *https_trust_new_from_bytes (GBytes *der, const gchar *field, GError **error);

/* Reads a file holding one certificate or public key, PEM or DER (operator configuration, tests). */
HttpsTrust *https_trust_new_from_file (const gchar *path, GError **error);
/* The contents of such a file (`field` names it in errors): parsed as PEM when it holds a "-----BEGIN " line,
 * as DER otherwise. */
HttpsTrust *https_trust_new_from_data (const gchar *contents, gsize len, const gchar *field, GError **error);

/* The anchors of HTTPS_TRUST_CI_CERTIFICATES: each element of @certificates (GBytes) is one DER certificate,
 * already checked by the caller; @description (e.g. "GSMA CI F54172BD...") is what https_trust_describe()
 * shows. */
HttpsTrust *https_trust_new_ci_anchors (GPtrArray *certificates, const gchar *description);

HttpsTrust *https_trust_ref (HttpsTrust *trust);
void https_trust_unref (HttpsTrust *trust);

HttpsTrustKind https_trust_get_kind (const HttpsTrust *trust);

/* "sha256//<base64 of SHA-256 of the DER SubjectPublicKeyInfo>" for CURLOPT_PINNEDPUBLICKEY, or NULL
 * for a CA certificate (anchors are not pinned). */
const gchar *https_trust_get_pin (const HttpsTrust *trust);

/* PEM text of the certificate to add to the anchors, or NULL for a bare public key. */
const gchar *https_trust_get_anchor_pem (const HttpsTrust *trust);

/* One line for logs: kind, subject (certificates) and the key's SHA-256 pin. Caller frees. */
gchar *https_trust_describe (const HttpsTrust *trust);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HttpsTrust, https_trust_unref)

G_END_DECLS
