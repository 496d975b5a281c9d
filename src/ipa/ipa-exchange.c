/* SPDX-License-Identifier: Apache-2.0 */
/* The package loop of SGP.32 3.1.1.1: GetEimPackage, execute, ProvideEimPackageResult, until the eIM says
 * noEimPackageAvailable. */
#include "config.h"

#define G_LOG_DOMAIN "euiccd-ipa"

#include <string.h>

#include "euiccd-error.h"
#include "ipa/ipa-private.h"

#define DEFAULT_MAX_PACKAGES 32

void
ipa_exchange_init (IpaExchange *exchange)
{
  memset (exchange, 0, sizeof *exchange);
  exchange->retry_after_s = -1;
}

void
ipa_exchange_clear (IpaExchange *exchange)
{
  if (exchange->session != NULL)
    {
      exchange->card.close (exchange->card.user_data, exchange->session);
      exchange->session = NULL;
    }
  ipa_card_lists_clear (&exchange->own_lists);
  g_clear_pointer (&exchange->own_results, g_array_unref);
}

static gboolean
request_package (IpaExchange *exchange, gboolean first, EsipaEimPackage **ret_package,
                 EsipaUnusablePackage **ret_unusable, GError **error)
{
  EsipaGetEimPackageRequest request = { 0 };

  memcpy (request.eid, exchange->eid, sizeof request.eid);
  if (first && exchange->notify_state_change)
    {
      request.notify_state_change = TRUE;
      request.has_state_change_cause = exchange->has_state_change_cause;
      request.state_change_cause = exchange->state_change_cause;
    }
  if (!esipa_get_eim_package (exchange->esipa, &request, ret_package, ret_unusable, error))
    return FALSE;
  if (first)
    exchange->notify_state_change = FALSE;
  return TRUE;
}

/* GetEimPackage -> run -> ProvideEimPackageResult until the eIM has nothing more. */
static gboolean
run_packages (IpaExchange *exchange, GError **error)
{
  guint max_packages = exchange->max_packages > 0 ? exchange->max_packages : DEFAULT_MAX_PACKAGES;

  for (guint n = 0;; n++)
    {
      g_autoptr(EsipaEimPackage) package = NULL;
      g_autoptr(EsipaUnusablePackage) unusable = NULL;
      g_autoptr(GError) package_error = NULL;
      gboolean ok;

      if (n == max_packages)
        {
          /* An eIM that never runs dry must not keep the card busy forever: the next poll continues. */
          g_message ("eIM %s: %u packages in one exchange, continuing at the next poll", exchange->eim->eim_id, n);
          return TRUE;
        }

      if (!request_package (exchange, n == 0, &package, &unusable, &package_error))
        {
          if (unusable == NULL)
            {
              g_propagate_error (error, g_steal_pointer (&package_error));
              return FALSE;
            }
          exchange->packages++;
          if (!ipa_answer_unusable (exchange, unusable, package_error, error))
            return FALSE;
          continue;
        }

      switch (package->kind)
        {
        case ESIPA_EIM_PACKAGE_ERROR:
          if (package->error_code == ESIPA_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE)
            return TRUE;
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "eIM %s answered GetEimPackage with %s (%"
                       G_GINT64_FORMAT ")", exchange->eim->eim_id, esipa_eim_package_error_to_string (package->error_code),
                       package->error_code);
          return FALSE;
        case ESIPA_EIM_PACKAGE_EUICC_PACKAGE_REQUEST:
          exchange->packages++;
          ok = exchange->sgp22 != NULL ? ipa_sgp22_run_euicc_package (exchange, package, error)
                                       : ipa_run_euicc_package (exchange, package, error);
          break;
        case ESIPA_EIM_PACKAGE_IPA_EUICC_DATA_REQUEST:
          exchange->packages++;
          ok = ipa_run_ipa_euicc_data (exchange, package, error);
          break;
        case ESIPA_EIM_PACKAGE_PROFILE_DOWNLOAD_TRIGGER:
          exchange->packages++;
          ok = ipa_run_download_trigger (exchange, package, error);
          break;
        default:
          g_set_error (error, EUICCD_ERROR, EUICCD_ERROR_PROTOCOL, "eIM package of unknown kind %d", package->kind);
          ok = FALSE;
          break;
        }
      if (!ok)
        return FALSE;
    }
}

gboolean
ipa_exchange_run (IpaExchange *exchange, GError **error)
{
  g_autoptr(GError) delivery_error = NULL;
  gint64 delivery_retry_after = -1;
  gboolean ok;

  g_return_val_if_fail (exchange->esipa != NULL && exchange->eim != NULL, FALSE);

  /* A consumer eUICC keeps no eUICC package results: only its profile notifications can wait there. */
  if (exchange->sgp22 != NULL)
    exchange->card_pending &= ~IPA_PENDING_PACKAGE_RESULTS;
  /* What is left from before must not hold back what the eIM has now. */
  if (!ipa_download_recover_for_eim (exchange, &delivery_error))
    g_warning ("eIM %s: %s; tried again at the next exchange", exchange->eim->eim_id, delivery_error->message);
  g_clear_error (&delivery_error);
  if (!ipa_rollback_resume (exchange, &delivery_error))
    {
      if (exchange->stopped)
        {
          g_propagate_error (error, g_steal_pointer (&delivery_error));
          return FALSE;
        }
      g_warning ("%s", delivery_error->message);
      g_clear_error (&delivery_error);
    }
  if (!ipa_deliver_pending (exchange, &delivery_error))
    {
      delivery_retry_after = esipa_client_get_retry_after (exchange->esipa);
      g_warning ("eIM %s: %s; asking for packages all the same", exchange->eim->eim_id, delivery_error->message);
    }

  ok = run_packages (exchange, error);
  if (exchange->cleanup_failed)
    exchange->card_pending = IPA_PENDING_ALL;
  if (!ok)
    {
      exchange->retry_after_s = esipa_client_get_retry_after (exchange->esipa);
      return FALSE;
    }
  if (delivery_error != NULL)
    {
      /* The items stay: the exchange counts as failed, so the next try comes at the backoff, not the interval. */
      exchange->retry_after_s = delivery_retry_after;
      g_propagate_error (error, g_steal_pointer (&delivery_error));
      return FALSE;
    }
  return TRUE;
}
