import {
  type DeliveryDetailRecord, type DeliveryRecord, type DeliverySignoffRecord, getDelivery, listDeliveries, signDelivery,
} from "@erpbridge/domain/deliveries";
import { dateInput, idInput, pageInput, pageSizeInput, requiredText, textInput } from "@erpbridge/domain/inputs";
import { TRPCError } from "@trpc/server";
import { z, ZodRealError } from "zod";
import type { AppConfig } from "../../config.js";
import type { Metrics } from "../../metrics.js";
import {
  compressPhoto, type DecodedImage, ImageRejectedError, imageField, megapixels, normalizeSignature, type StoredImage,
} from "../../uploads/images.js";
import { UPLOAD_LIMITS } from "../../uploads/limits.js";
import { UploadStore, uploadUrl } from "../../uploads/store.js";
import { createTRPCRouter, customerProcedure } from "../../trpc.js";

export interface DeliverySummaryView {
  id: string;
  billNo: string;
  /** Business-local calendar date "YYYY-MM-DD" (a date, not an instant: no timezone shift). */
  billDate: string;
  /** Decimal string, 2 places. */
  totalAmount: string;
  status: "PENDING" | "SIGNED";
  itemCount: number;
  signedAt: Date | null;
  updatedAt: Date;
}

export interface DeliveryItemView {
  seq: number;
  materialNumber: string | null;
  materialName: string | null;
  unitName: string | null;
  /** Decimal string, 4 places. */
  qty: string;
  price: string | null;
  amount: string | null;
}

export interface SignoffSnapshotView {
  customerName: string;
  address: string | null;
  billNo: string | null;
  billDate: string | null;
  totalAmount: string | null;
  items: Array<{ seq: number; materialNumber: string | null; materialName: string | null; unitName: string | null; qty: string }>;
}

export interface GpsView {
  latitude: number;
  longitude: number;
  accuracy?: number;
}

export interface DeliverySignoffView {
  id: string;
  deliveryId: string;
  signerName: string;
  signedAt: Date;
  remark: string | null;
  gps: GpsView | null;
  /** Authorized URLs: GET with the customer's (or the admin's) Bearer token. */
  signatureUrl: string;
  photoUrls: string[];
  /** What the customer saw when signing, kept as it was. */
  snapshot: SignoffSnapshotView;
  createdAt: Date;
}

/** The answer to a sign request: the delivery's sign-off, and whether it existed before this request. */
export interface SignResultView extends DeliverySignoffView {
  /**
   * true: the delivery was already signed (earlier, or by a concurrent request) and this request's
   * data was not kept; the sign-off returned is the first one, with its own signer and time.
   */
  alreadySigned: boolean;
}

export interface DeliveryDetailView extends DeliverySummaryView {
  customerName: string;
  customerAddress: string | null;
  items: DeliveryItemView[];
  signoff: DeliverySignoffView | null;
}

export interface DeliveryListView {
  page: number;
  pageSize: number;
  total: number;
  deliveries: DeliverySummaryView[];
}

const summaryView = (d: DeliveryRecord): DeliverySummaryView => ({
  id: d.id,
  billNo: d.billNo,
  billDate: d.billDate,
  totalAmount: d.totalAmount,
  status: d.status,
  itemCount: d.itemCount,
  signedAt: d.signedAt,
  updatedAt: d.updatedAt,
});

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

function signoffView(config: AppConfig, s: DeliverySignoffRecord): DeliverySignoffView {
  const snap = s.snapshot;
  return {
    id: s.id,
    deliveryId: s.deliveryId,
    signerName: s.signerName,
    signedAt: s.signedAt,
    remark: s.remark,
    gps: s.gps
      ? { latitude: s.gps.latitude, longitude: s.gps.longitude, ...(s.gps.accuracy !== undefined ? { accuracy: s.gps.accuracy } : {}) }
      : null,
    signatureUrl: uploadUrl(config.PUBLIC_URL, s.signaturePath),
    photoUrls: s.photoPaths.map((p) => uploadUrl(config.PUBLIC_URL, p)),
    snapshot: {
      customerName: snap.customerName,
      address: snap.address ?? null,
      billNo: snap.billNo ?? null,
      billDate: snap.billDate ?? null,
      totalAmount: str(snap.totalAmount),
      items: snap.items.map((i) => ({
        seq: i.seq,
        materialNumber: i.materialNumber ?? null,
        materialName: i.materialName ?? null,
        unitName: i.unitName ?? null,
        qty: i.qty,
      })),
    },
    createdAt: s.createdAt,
  };
}

const detailView = (config: AppConfig, d: DeliveryDetailRecord): DeliveryDetailView => ({
  ...summaryView(d),
  customerName: d.customerName,
  customerAddress: d.customerAddress,
  items: d.items.map((i) => ({
    seq: i.seq,
    materialNumber: i.materialNumber,
    materialName: i.materialName,
    unitName: i.unitName,
    qty: i.qty,
    price: i.price,
    amount: i.amount,
  })),
  signoff: d.signoff ? signoffView(config, d.signoff) : null,
});

const notFound = () => new TRPCError({ code: "NOT_FOUND", message: "delivery not found" });

const FUTURE_TOLERANCE_MS = 10 * 60_000;

const signInput = z.object({
  id: idInput,
  signerName: requiredText(50),
  signedAt: dateInput.refine((d) => d.getTime() <= Date.now() + FUTURE_TOLERANCE_MS, "signedAt is in the future"),
  signatureBase64: imageField(UPLOAD_LIMITS.signatureMaxBytes),
  // The count first: no photo is even base64-decoded when there are too many.
  photosBase64: z
    .array(z.string())
    .max(UPLOAD_LIMITS.maxPhotos, `at most ${UPLOAD_LIMITS.maxPhotos} photos`)
    .pipe(z.array(imageField(UPLOAD_LIMITS.photoMaxBytes)))
    .default([]),
  remark: textInput(500).trim().optional(),
  gps: z
    .object({
      latitude: z.number().min(-90).max(90),
      longitude: z.number().min(-180).max(180),
      accuracy: z.number().min(0).max(100_000).optional(),
    })
    .optional(),
}).superRefine((input, ctx) => {
  const pixels = [input.signatureBase64, ...input.photosBase64].reduce((sum, image) => sum + image.width * image.height, 0);
  if (pixels > UPLOAD_LIMITS.maxRequestPixels) {
    ctx.addIssue({
      code: "custom",
      path: ["photosBase64"],
      message: `the images have ${megapixels(pixels)} megapixels together, more than ${megapixels(UPLOAD_LIMITS.maxRequestPixels)} per sign-off`,
    });
  }
});

/**
 * Decodes and re-encodes every image (signature normalised, photos compressed) before anything is
 * written; an image that does not decode is a BAD_REQUEST with its field path. Only input that
 * passed every header, size and pixel-budget check gets here.
 */
async function prepareImages(metrics: Metrics, signature: DecodedImage, photos: DecodedImage[]): Promise<StoredImage[]> {
  metrics.imageDecodes.inc(1 + photos.length);
  const jobs: Array<{ path: (string | number)[]; work: Promise<StoredImage> }> = [
    { path: ["signatureBase64"], work: normalizeSignature(signature) },
    ...photos.map((photo, index) => ({ path: ["photosBase64", index], work: compressPhoto(photo) })),
  ];
  const settled = await Promise.allSettled(jobs.map((job) => job.work));
  const issues = settled.flatMap((result, index) => {
    if (result.status === "fulfilled") return [];
    if (!(result.reason instanceof ImageRejectedError)) throw result.reason;
    return [{ code: "custom" as const, path: jobs[index]!.path, message: result.reason.message, input: undefined }];
  });
  if (issues.length) throw new TRPCError({ code: "BAD_REQUEST", message: "invalid image", cause: new ZodRealError(issues) });
  return settled.map((result) => (result as PromiseFulfilledResult<StoredImage>).value);
}

export const miniDeliveriesRouter = createTRPCRouter({
  /** The customer's deliveries, newest first. */
  list: customerProcedure
    .input(
      z
        .object({
          status: z.enum(["PENDING", "SIGNED"]).optional(),
          page: pageInput.default(1),
          pageSize: pageSizeInput(100).default(20),
        })
        .prefault({}),
    )
    .query(async ({ ctx, input }): Promise<DeliveryListView> => {
      const page = await listDeliveries(ctx.services.db.sequelize, { ...ctx.customer, ...input });
      return { page: page.page, pageSize: page.pageSize, total: page.total, deliveries: page.rows.map(summaryView) };
    }),

  /** One delivery with its items and sign-off; another customer's is NOT_FOUND. */
  get: customerProcedure.input(z.object({ id: idInput })).query(async ({ ctx, input }): Promise<DeliveryDetailView> => {
    const delivery = await getDelivery(ctx.services.db.sequelize, { ...ctx.customer, deliveryId: input.id });
    if (!delivery) throw notFound();
    return detailView(ctx.services.config, delivery);
  }),

  /**
   * Signs a delivery: signature and photos (PNG/JPEG, data URL or bare base64), signer, time.
   * Idempotent: a delivery already signed returns its first sign-off unchanged with
   * `alreadySigned: true`, and the files of a duplicate (or a concurrent loser) are not kept.
   */
  sign: customerProcedure.input(signInput).mutation(async ({ ctx, input }): Promise<SignResultView> => {
    const { sequelize } = ctx.services.db;
    const { config } = ctx.services;
    const delivery = await getDelivery(sequelize, { ...ctx.customer, deliveryId: input.id });
    if (!delivery) throw notFound();
    if (delivery.signoff) return { ...signoffView(config, delivery.signoff), alreadySigned: true };

    const [signature, ...photos] = await prepareImages(ctx.services.metrics, input.signatureBase64, input.photosBase64);
    const store = new UploadStore(config.UPLOAD_DIR);
    const paths = await store.saveSignoffFiles(ctx.customer.tenantId, delivery.id, [signature!, ...photos]);
    let result: Awaited<ReturnType<typeof signDelivery>>;
    try {
      result = await signDelivery(sequelize, {
        ...ctx.customer,
        deliveryId: delivery.id,
        signerName: input.signerName,
        signedAt: input.signedAt,
        signaturePath: paths[0]!,
        photoPaths: paths.slice(1),
        remark: input.remark || null,
        gps: input.gps ?? null,
      });
    } catch (error) {
      await store.remove(paths);
      throw error;
    }
    if (!result) {
      await store.remove(paths);
      throw notFound();
    }
    if (!result.created) await store.remove(paths);
    else ctx.log.info({ deliveryId: delivery.id, signoffId: result.signoff.id, photos: photos.length }, "delivery signed");
    return { ...signoffView(config, result.signoff), alreadySigned: !result.created };
  }),
});
