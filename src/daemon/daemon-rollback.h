/* SPDX-License-Identifier: Apache-2.0 */
/* The record of an enable with rollbackFlag (ipa-rollback-record.h) as a file of the state directory. */
#pragma once

#include "daemon/daemon-store.h"
#include "ipa/ipa-rollback-record.h"

G_BEGIN_DECLS

#define DAEMON_ROLLBACK_FILE "rollback"

/* A journal keeping DAEMON_ROLLBACK_FILE in `store` (borrowed: it must outlive the journal's use). */
void daemon_rollback_journal_init (IpaRollbackJournal *journal, DaemonStore *store);

G_END_DECLS
