import {
  connectionIdInputSchema, createConnection, createConnectionInputSchema, disableConnection, getConnection, listConnections,
  reencryptConnections, tenantConnectionsInputSchema, testConnection, updateConnection, updateConnectionInputSchema,
} from "@erpbridge/domain/connections";
import { adminProcedure, createTRPCRouter } from "../../trpc.js";

/**
 * A tenant's connections to outside systems. Secrets are write-only: every answer says only
 * whether each is set. A change drops the tenant's cached SDK client (the next call uses what is
 * stored) and reschedules its jobs.
 */
export const adminConnectionsRouter = createTRPCRouter({
  list: adminProcedure.input(tenantConnectionsInputSchema).query(({ input }) => listConnections(input)),

  get: adminProcedure.input(connectionIdInputSchema).query(({ input }) => getConnection(input)),

  create: adminProcedure.input(createConnectionInputSchema).mutation(async ({ ctx, input }) => {
    const connection = await createConnection(ctx.services.keyring, input);
    await ctx.services.tenantChanged(connection.tenantId);
    return connection;
  }),

  /** Settings given are merged into the stored ones (`null` clears one); a secret left out stays unchanged. */
  update: adminProcedure.input(updateConnectionInputSchema).mutation(async ({ ctx, input }) => {
    const connection = await updateConnection(ctx.services.keyring, input);
    await ctx.services.tenantChanged(connection.tenantId);
    return connection;
  }),

  disable: adminProcedure.input(connectionIdInputSchema).mutation(async ({ ctx, input }) => {
    const connection = await disableConnection(input);
    await ctx.services.tenantChanged(connection.tenantId);
    return connection;
  }),

  /**
   * Key rotation's last step: every connection secret not under the current ENCRYPTION_KEY is
   * rewritten under it (the old keys still in ENCRYPTION_KEYS_PREVIOUS); then the old keys can go.
   */
  reencrypt: adminProcedure.mutation(({ ctx }) => reencryptConnections(ctx.services.db.sequelize, ctx.services.keyring)),

  /** One authenticated call with the stored settings and secrets: ok, or the failure's category and message. */
  test: adminProcedure
    .input(connectionIdInputSchema)
    .mutation(({ ctx, input }) => testConnection(ctx.services.keyring, input, { kingdee_jdy: ctx.services.kingdee.clientDefaults })),
});
