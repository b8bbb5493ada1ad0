export {
  defaultJobRetryDelayMs,
  type JobHandler,
  type JobHandlers,
  type JobKind,
  JobQueue,
  type JobQueueOptions,
  RetryJobLater,
  type RunningJob,
} from './job-queue.js';
export {
  type JobStatus,
  type JobsTable,
  type QueueTables,
  queueMigrations,
  type WebhookDeliveriesTable,
  type WebhookDeliveryStatus,
} from './migrations.js';
export {
  DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS,
  DELIVERY_CONCURRENCY,
  JOB_WEBHOOK_DELIVERY,
  generateWebhookSecret,
  WEBHOOK_REQUEST_TIMEOUT_MS,
  WEBHOOK_RETRY_JITTER,
  type WebhookAttemptEvent,
  WebhookOutbox,
  type WebhookOutboxOptions,
  redactDeliveries,
  webhookIdOf,
} from './webhook-outbox.js';
export {
  addressRefusal,
  type CallbackPolicy,
  type CallbackRefusal,
  CallbackTargetError,
  checkCallbackUrl,
  type HostResolver,
  parseAllowedNetworks,
  type ResolvedAddress,
  resolveCallbackTarget,
  STRICT_CALLBACK_POLICY,
  systemResolver,
} from './callback-target.js';
