import { loginWithToken } from "@erpbridge/domain";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { createTRPCRouter, publicProcedure } from "../../trpc.js";

export const miniAuthRouter = createTRPCRouter({
  /** A login token (from the admin's QR code) → a session token for the mini-program. */
  login: publicProcedure
    .input(z.object({ token: z.string().trim().min(16, "token is too short").max(200) }))
    .mutation(async ({ ctx, input }) => {
      const session = await loginWithToken(
        ctx.services.db.sequelize,
        input.token,
        ctx.services.config.CUSTOMER_SESSION_TTL_HOURS * 3600_000,
      );
      if (!session) throw new TRPCError({ code: "UNAUTHORIZED", message: "login token unknown or expired" });
      return { sessionToken: session.token, expiresAt: session.expiresAt };
    }),
});
