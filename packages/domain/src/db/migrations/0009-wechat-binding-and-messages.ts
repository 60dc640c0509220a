import type { Migration } from "../migrator.js";

// WeChat: openid ↔ customer bindings (made through single-use invites shown as mini-program codes),
// which WeChat user a session belongs to, subscribe-message consent credits, per-tenant templates,
// and delivery notices: an outbox of new deliveries (filled by a trigger in the inserting
// transaction) and the message log that is also the send queue.
const statements = [
  `CREATE TABLE wechat_binding (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     app_id text NOT NULL,
     openid text NOT NULL,
     unionid text,
     customer_id uuid NOT NULL REFERENCES customer(id) ON DELETE CASCADE ON UPDATE CASCADE,
     phone text,                 -- from getUserPhoneNumber; never copied over customer.phone (the ERP's)
     phone_country_code text,
     phone_bound_at timestamptz,
     bound_at timestamptz NOT NULL DEFAULT now(),
     last_login_at timestamptz,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     CONSTRAINT wechat_binding_app_openid_key UNIQUE (app_id, openid)
   )`,
  `CREATE INDEX wechat_binding_customer_idx ON wechat_binding (customer_id)`,

  `CREATE TABLE customer_invite (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     customer_id uuid NOT NULL REFERENCES customer(id) ON DELETE CASCADE ON UPDATE CASCADE,
     scene_hash text NOT NULL CONSTRAINT customer_invite_scene_hash_key UNIQUE, -- sha256 hex of the scene
     expires_at timestamptz NOT NULL,
     allow_rebind boolean NOT NULL DEFAULT false,
     used_at timestamptz,
     used_by_openid text,
     created_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE INDEX customer_invite_customer_idx ON customer_invite (customer_id)`,

  // The WeChat user behind a session opened by wxLogin/bind (token-login sessions have none).
  `CREATE TABLE wechat_session (
     token_hash text PRIMARY KEY REFERENCES customer_session(token_hash) ON DELETE CASCADE,
     app_id text NOT NULL,
     openid text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE INDEX wechat_session_openid_idx ON wechat_session (app_id, openid)`,

  `CREATE TABLE subscribe_credit (
     openid text NOT NULL,
     template_id text NOT NULL,
     credits integer NOT NULL DEFAULT 0 CONSTRAINT subscribe_credit_nonnegative CHECK (credits >= 0),
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (openid, template_id)
   )`,

  `CREATE TABLE tenant_wechat_template (
     tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE ON UPDATE CASCADE,
     kind text NOT NULL CONSTRAINT tenant_wechat_template_kind_check CHECK (kind IN ('delivery_notice')),
     template_id text NOT NULL,
     page text,
     fields jsonb NOT NULL,
     miniprogram_state text NOT NULL DEFAULT 'formal'
       CONSTRAINT tenant_wechat_template_state_check CHECK (miniprogram_state IN ('developer', 'trial', 'formal')),
     enabled boolean NOT NULL DEFAULT true,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (tenant_id, kind)
   )`,

  // Outbox: one row per delivery inserted while its tenant has an enabled delivery notice.
  `CREATE TABLE delivery_event (
     id bigserial PRIMARY KEY,
     tenant_id uuid NOT NULL,
     delivery_id uuid NOT NULL REFERENCES delivery(id) ON DELETE CASCADE,
     created_at timestamptz NOT NULL DEFAULT now(),
     processed_at timestamptz
   )`,
  `CREATE INDEX delivery_event_pending_idx ON delivery_event (id) WHERE processed_at IS NULL`,
  // A statement-level trigger with a transition table: one INSERT … SELECT per statement, and for
  // INSERT … ON CONFLICT DO UPDATE the NEW TABLE holds only the rows actually inserted — so an
  // updated (re-synced) delivery never produces an event, and the event commits or rolls back with
  // the delivery itself (exactly once, crash-safe) without touching the projection's code.
  `CREATE FUNCTION delivery_event_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO delivery_event (tenant_id, delivery_id)
     SELECT n.tenant_id, n.id FROM new_deliveries n
      WHERE EXISTS (SELECT 1 FROM tenant_wechat_template t
                     WHERE t.tenant_id = n.tenant_id AND t.kind = 'delivery_notice' AND t.enabled);
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER delivery_event_on_insert AFTER INSERT ON delivery
     REFERENCING NEW TABLE AS new_deliveries FOR EACH STATEMENT EXECUTE FUNCTION delivery_event_on_insert()`,

  // One row per (delivery, template, openid): the idempotency key of a notice, and its send state.
  `CREATE TABLE message_log (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
     customer_id uuid NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
     openid text NOT NULL,
     template_id text NOT NULL,
     delivery_id uuid NOT NULL, -- no FK: the log outlives a delivery removed from the ERP
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
   )`,
  `CREATE INDEX message_log_due_idx ON message_log (next_attempt_at) WHERE status = 'pending'`,
  `CREATE INDEX message_log_tenant_created_idx ON message_log (tenant_id, created_at)`,
  `CREATE INDEX message_log_customer_idx ON message_log (customer_id)`,
];

export const up: Migration = async ({ context: qi }) => {
  for (const sql of statements) await qi.sequelize.query(sql);
};

export const down: Migration = async ({ context: qi }) => {
  for (const sql of [
    `DROP TABLE IF EXISTS message_log`,
    `DROP TRIGGER IF EXISTS delivery_event_on_insert ON delivery`,
    `DROP FUNCTION IF EXISTS delivery_event_on_insert()`,
    `DROP TABLE IF EXISTS delivery_event`,
    `DROP TABLE IF EXISTS tenant_wechat_template`,
    `DROP TABLE IF EXISTS subscribe_credit`,
    `DROP TABLE IF EXISTS wechat_session`,
    `DROP TABLE IF EXISTS customer_invite`,
    `DROP TABLE IF EXISTS wechat_binding`,
  ]) await qi.sequelize.query(sql);
};
