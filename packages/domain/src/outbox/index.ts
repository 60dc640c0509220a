export {
  Outbox, OUTBOX_STATUSES,
  type NewOutboxMessage, type OutboxChannel, type OutboxMessage, type OutboxOptions, type OutboxRunResult,
  type OutboxStatus, type SendOutcome,
} from "./outbox.js";
