import type { Migration } from "../migrator.js";

// The generic outbox (domain/src/outbox): one table for every channel's messages, replacing the
// WeChat-only `message_log`. Its rows move over with their state; WeChat's own fields go into the
// payload, its (delivery, template, openid) key becomes the dedupe key, and its statuses map to
// the outbox's: failed → dead (or unknown when the outcome was unknown), no_consent → dead with
// the refusal's code (43101, or "no_consent" when our own credit count was 0).
const WECHAT_CHANNEL = "wechat_subscribe";

export const up: Migration = async ({ context: qi }) => {
  const sql = (text: string) => qi.sequelize.query(text);
  await sql(`CREATE TABLE outbox_message (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     channel text NOT NULL,
     dedupe_key text NOT NULL,
     tenant_id uuid REFERENCES tenant(id) ON DELETE CASCADE ON UPDATE CASCADE,
     payload jsonb NOT NULL,
     status text NOT NULL DEFAULT 'pending'
       CONSTRAINT outbox_message_status_check CHECK (status IN ('pending', 'sent', 'dead', 'unknown')),
     error_code text,
     error text,
     attempts integer NOT NULL DEFAULT 0,
     in_flight boolean NOT NULL DEFAULT false,
     locked_until timestamptz,
     next_attempt_at timestamptz NOT NULL DEFAULT now(),
     last_attempt_at timestamptz,
     sent_at timestamptz,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     CONSTRAINT outbox_message_channel_dedupe_key UNIQUE (channel, dedupe_key)
   )`);
  await sql(`CREATE INDEX outbox_message_due_idx ON outbox_message (next_attempt_at) WHERE status = 'pending'`);
  await sql(`CREATE INDEX outbox_message_tenant_created_idx ON outbox_message (tenant_id, created_at)`);
  await sql(`INSERT INTO outbox_message (id, channel, dedupe_key, tenant_id, payload, status, error_code, error, attempts, in_flight,
                                         locked_until, next_attempt_at, last_attempt_at, sent_at, created_at, updated_at)
     SELECT id, '${WECHAT_CHANNEL}', delivery_id || ':' || template_id || ':' || openid, tenant_id,
            jsonb_build_object('openid', openid, 'templateId', template_id, 'deliveryId', delivery_id, 'customerId', customer_id),
            CASE status WHEN 'failed' THEN CASE WHEN error LIKE 'outcome unknown%' THEN 'unknown' ELSE 'dead' END
                        WHEN 'no_consent' THEN 'dead' ELSE status END,
            CASE WHEN status = 'no_consent' THEN coalesce(errcode::text, 'no_consent') ELSE errcode::text END,
            error, attempts, in_flight, locked_until, next_attempt_at, last_attempt_at, sent_at, created_at, updated_at
       FROM message_log`);
  await sql(`DROP TABLE message_log`);
};

export const down: Migration = async ({ context: qi }) => {
  const sql = (text: string) => qi.sequelize.query(text);
  await sql(`CREATE TABLE message_log (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
     customer_id uuid NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
     openid text NOT NULL,
     template_id text NOT NULL,
     delivery_id uuid NOT NULL,
     status text NOT NULL DEFAULT 'pending'
       CONSTRAINT message_log_status_check CHECK (status IN ('pending', 'sent', 'failed', 'no_consent')),
     errcode integer,
     error text,
     attempts integer NOT NULL DEFAULT 0,
     in_flight boolean NOT NULL DEFAULT false,
     locked_until timestamptz,
     next_attempt_at timestamptz NOT NULL DEFAULT now(),
     last_attempt_at timestamptz,
     sent_at timestamptz,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     CONSTRAINT message_log_delivery_template_openid_key UNIQUE (delivery_id, template_id, openid)
   )`);
  await sql(`CREATE INDEX message_log_due_idx ON message_log (next_attempt_at) WHERE status = 'pending'`);
  await sql(`CREATE INDEX message_log_tenant_created_idx ON message_log (tenant_id, created_at)`);
  await sql(`CREATE INDEX message_log_customer_idx ON message_log (customer_id)`);
  await sql(`INSERT INTO message_log (id, tenant_id, customer_id, openid, template_id, delivery_id, status, errcode, error, attempts,
                                      in_flight, locked_until, next_attempt_at, last_attempt_at, sent_at, created_at, updated_at)
     SELECT o.id, o.tenant_id, (o.payload->>'customerId')::uuid, o.payload->>'openid', o.payload->>'templateId',
            (o.payload->>'deliveryId')::uuid,
            CASE WHEN o.status = 'dead' AND o.error_code IN ('43101', 'no_consent') THEN 'no_consent'
                 WHEN o.status IN ('dead', 'unknown') THEN 'failed' ELSE o.status END,
            CASE WHEN o.error_code ~ '^-?[0-9]+$' THEN o.error_code::int END,
            o.error, o.attempts, o.in_flight, o.locked_until, o.next_attempt_at, o.last_attempt_at, o.sent_at, o.created_at, o.updated_at
       FROM outbox_message o
      WHERE o.channel = '${WECHAT_CHANNEL}' AND o.tenant_id IS NOT NULL
        AND EXISTS (SELECT 1 FROM customer c WHERE c.id = (o.payload->>'customerId')::uuid)`);
  await sql(`DROP TABLE outbox_message`);
};
