/** Every platform migration, in order. Add new ones at the end; never edit one that has shipped. */
import { Foundation0001 } from './0001-foundation.js';
import { Audit0002 } from './0002-audit.js';
import { Metadata1764300000003 } from './0003-metadata.js';
import { Workflow0005 } from './0005-workflow.js';
import { UserChangeNotify1764300000006 } from './0006-user-change-notify.js';
import { Retention1764300000014 } from './0014-retention.js';
import { AuthDuties1764300000071 } from './0007-auth-duties.js';
import { AuditPartitions1764300000080 } from './0015-audit-partitions.js';
import { DirectoryAccounts1764300000081 } from './0016-directory-accounts.js';
import { SsoLogins1764300000082 } from './0017-sso-logins.js';
import { PackMigrations1764300000090 } from './0018-pack-migrations.js';
import { IdempotencyKeys1764300000091 } from './0019-idempotency-keys.js';
import { PackPartFingerprints1764300000095 } from './0020-pack-part-fingerprints.js';
import { Reports1764300000110 } from './0021-reports.js';
import { CacheChangeNotify1764300000117 } from './0022-cache-change-notify.js';
import { WorkflowStepGuard1764300000210 } from './0023-workflow-step-guard.js';
import { Dashboards1764300000220 } from './0024-dashboards.js';
import { Webhooks1764300000400 } from './0025-webhooks.js';
import { Imports1764300000500 } from './0026-imports.js';
import { Jobs1764300000600 } from './0027-jobs.js';
import { Connectors1764300000800 } from './0029-connectors.js';
import { Privacy1764300001400 } from './0035-privacy.js';
import { InsightModels1764300001100 } from './0032-insight-models.js';
import { Marketing1764300001200 } from './0033-marketing.js';
import { Journeys1764300001300 } from './0034-journeys.js';
import { ObjectRules1764300000900 } from './0030-object-rules.js';
import { SavedViews1764300001500 } from './0036-saved-views.js';
import { AuthSessions1764300001700 } from './0038-auth-sessions.js';
import { ValidatorModules1764300001800 } from './0039-validator-modules.js';
import { CampaignRefresh1764300002200 } from './0043-campaign-refresh.js';
import { IntegrationSettings1764300002300 } from './0044-integration-settings.js';
import { ReportRollups1764300002400 } from './0045-report-rollups.js';
import { NotificationTrim1764300002800 } from './0049-notification-trim.js';
import { Notifications1764300001600 } from './0037-notifications.js';

// In the order they run (TypeORM orders by the timestamp in the class name).
export const migrations = [
  Foundation0001, Audit0002, Metadata1764300000003, Workflow0005,
  UserChangeNotify1764300000006,
  Retention1764300000014,
  AuthDuties1764300000071,
  AuditPartitions1764300000080,
  DirectoryAccounts1764300000081,
  SsoLogins1764300000082,
  PackMigrations1764300000090,
  IdempotencyKeys1764300000091,
  PackPartFingerprints1764300000095,
  Reports1764300000110,
  CacheChangeNotify1764300000117,
  WorkflowStepGuard1764300000210,
  Dashboards1764300000220,
  Webhooks1764300000400,
  Imports1764300000500,
  Jobs1764300000600,
  Connectors1764300000800,
  ObjectRules1764300000900,
  InsightModels1764300001100,
  Marketing1764300001200,
  Journeys1764300001300,
  Privacy1764300001400,
  SavedViews1764300001500,
  Notifications1764300001600,
  AuthSessions1764300001700,
  ValidatorModules1764300001800,
  CampaignRefresh1764300002200,
  IntegrationSettings1764300002300,
  ReportRollups1764300002400,
  NotificationTrim1764300002800,
];
