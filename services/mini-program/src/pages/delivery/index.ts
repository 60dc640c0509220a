import type { RouterOutputs } from "@erpbridge/client";
import { api, authed, errorCode, errorMessage } from "../../api/client";
import { DELIVERY_STATUS_TEXT, formatAmount, formatDateTime, formatQty } from "../../api/format";
import { confirmDialog, downloadAuthorized, readFileBase64, toast } from "../../api/wx";

type DeliveryDetail = RouterOutputs["mini"]["deliveries"]["get"];
type Signoff = NonNullable<DeliveryDetail["signoff"]>;

const MAX_PHOTOS = 9;
/** The server takes photos of at most 8 MiB each (before it compresses them). */
const PHOTO_MAX_BYTES = 8 * 1024 * 1024;

interface Point {
  x: number;
  y: number;
}

/** The 2D canvas (`<canvas type="2d">`) node and context: the parts used here. */
interface Canvas2D {
  width: number;
  height: number;
  getContext(type: "2d"): Ctx2D;
}
interface Ctx2D {
  fillStyle: string;
  strokeStyle: string;
  lineWidth: number;
  lineCap: string;
  lineJoin: string;
  scale(x: number, y: number): void;
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  stroke(): void;
}

export interface DeliveryView {
  id: string;
  billNo: string;
  billDate: string;
  totalAmount: string;
  status: string;
  statusText: string;
  customerName: string;
  customerAddress: string;
  itemCount: string;
}

export interface ItemView {
  seq: string;
  name: string;
  number: string;
  unit: string;
  qty: string;
  price: string;
  amount: string;
}

export interface SignoffView {
  id: string;
  signerName: string;
  signedAt: string;
  remark: string;
  gps: string;
  photoCount: string;
  /** Local temp paths once downloaded (the files sit behind authorized URLs). */
  signatureImage: string;
  photoImages: string[];
}

const deliveryView = (d: DeliveryDetail): DeliveryView => ({
  id: d.id,
  billNo: d.billNo,
  billDate: d.billDate,
  totalAmount: formatAmount(d.totalAmount),
  status: d.status,
  statusText: DELIVERY_STATUS_TEXT[d.status] ?? d.status,
  customerName: d.customerName,
  customerAddress: d.customerAddress ?? "",
  itemCount: String(d.itemCount),
});

const itemView = (i: DeliveryDetail["items"][number]): ItemView => ({
  seq: String(i.seq),
  name: i.materialName ?? i.materialNumber ?? "",
  number: i.materialNumber ?? "",
  unit: i.unitName ?? "",
  qty: formatQty(i.qty),
  price: formatAmount(i.price),
  amount: formatAmount(i.amount),
});

const signoffView = (s: Signoff): SignoffView => ({
  id: s.id,
  signerName: s.signerName,
  signedAt: formatDateTime(s.signedAt),
  remark: s.remark ?? "",
  gps: s.gps ? `${s.gps.latitude.toFixed(5)}, ${s.gps.longitude.toFixed(5)}` : "",
  photoCount: String(s.photoUrls.length),
  signatureImage: "",
  photoImages: [],
});

/**
 * One delivery: header, items, and either its sign-off (signature and photos downloaded with the
 * session token) or the sign form: signer name, a signature pad (`<canvas type="2d">`), photos
 * (`wx.chooseMedia`), optional remark and location. Submitting exports the pad with
 * `wx.canvasToTempFilePath`, reads every file as base64 and calls `mini.deliveries.sign`.
 */
Page({
  data: {
    id: "",
    loading: true,
    error: "",
    delivery: null as DeliveryView | null,
    items: [] as ItemView[],
    signoff: null as SignoffView | null,
    signerName: "",
    remark: "",
    photos: [] as string[],
    maxPhotos: MAX_PHOTOS,
    hasSignature: false,
    gps: null as { latitude: number; longitude: number; accuracy?: number } | null,
    gpsText: "",
    submitting: false,
    formError: "",
    /** Set when a submit found the delivery already signed (elsewhere, earlier): says by whom and when. */
    alreadySignedNotice: "",
  },

  /** Not view data: the pad's canvas, its context and the last touch point. */
  pad: null as { canvas: Canvas2D; ctx: Ctx2D; width: number; height: number } | null,
  last: null as Point | null,

  async onLoad(query: Record<string, string | undefined>) {
    const id = query.id ? decodeURIComponent(query.id) : "";
    this.setData({ id });
    if (!id) {
      this.setData({ loading: false, error: "缺少送货单编号" });
      return;
    }
    await this.load();
  },

  async onPullDownRefresh() {
    try {
      await this.load();
    } finally {
      void wx.stopPullDownRefresh(); // void: the pull-down spinner stops either way
    }
  },

  async load() {
    this.setData({ loading: true, error: "" });
    let detail: DeliveryDetail;
    try {
      detail = await authed(() => api.mini.deliveries.get.query({ id: this.data.id }));
    } catch (error) {
      this.setData({ loading: false, error: errorCode(error) === "NOT_FOUND" ? "送货单不存在" : errorMessage(error) });
      return;
    }
    void wx.setNavigationBarTitle({ title: detail.billNo }); // void: the title is cosmetic; the page shows the same number
    const signoff = detail.signoff ? signoffView(detail.signoff) : null;
    await new Promise<void>((resolve) =>
      this.setData(
        { loading: false, delivery: deliveryView(detail), items: detail.items.map(itemView), signoff },
        () => resolve(),
      ),
    );
    if (detail.signoff) {
      this.pad = null;
      await this.loadSignoffImages(detail.signoff);
    } else {
      await this.initPad();
    }
  },

  /** Fetches the signature and photos through their authorized URLs into temp files. */
  async loadSignoffImages(s: Signoff) {
    try {
      const [signature, ...photos] = await Promise.all([s.signatureUrl, ...s.photoUrls].map((url) => downloadAuthorized(url)));
      this.setData({ "signoff.signatureImage": signature ?? "", "signoff.photoImages": photos });
    } catch (error) {
      this.setData({ "signoff.signatureImage": "", formError: `签收图片加载失败：${errorMessage(error)}` });
    }
  },

  /** Finds the pad's canvas node, sizes it for the pixel ratio and paints it white. */
  initPad(): Promise<void> {
    return new Promise((resolve) => {
      wx.createSelectorQuery()
        .select("#signature")
        .fields({ node: true, size: true })
        .exec((res: Array<{ node?: Canvas2D; width?: number; height?: number } | null>) => {
          const found = res?.[0];
          if (!found?.node) {
            resolve();
            return;
          }
          const canvas = found.node;
          const width = found.width ?? 300;
          const height = found.height ?? 150;
          const ratio = Math.min(wx.getWindowInfo ? wx.getWindowInfo().pixelRatio : wx.getSystemInfoSync().pixelRatio, 2) || 1;
          canvas.width = Math.round(width * ratio);
          canvas.height = Math.round(height * ratio);
          const ctx = canvas.getContext("2d");
          ctx.scale(ratio, ratio);
          this.pad = { canvas, ctx, width, height };
          this.clearPad();
          resolve();
        });
    });
  },

  clearPad() {
    const pad = this.pad;
    if (!pad) return;
    pad.ctx.fillStyle = "#ffffff";
    pad.ctx.fillRect(0, 0, pad.width, pad.height);
    pad.ctx.strokeStyle = "#111111";
    pad.ctx.lineWidth = 3;
    pad.ctx.lineCap = "round";
    pad.ctx.lineJoin = "round";
    this.last = null;
  },

  onSignStart(e: WechatMiniprogram.TouchCanvas) {
    const t = e.touches[0];
    if (!t || !this.pad) return;
    this.last = { x: t.x, y: t.y };
  },

  onSignMove(e: WechatMiniprogram.TouchCanvas) {
    const t = e.touches[0];
    const pad = this.pad;
    if (!t || !pad || !this.last) return;
    pad.ctx.beginPath();
    pad.ctx.moveTo(this.last.x, this.last.y);
    pad.ctx.lineTo(t.x, t.y);
    pad.ctx.stroke();
    this.last = { x: t.x, y: t.y };
    if (!this.data.hasSignature) this.setData({ hasSignature: true, formError: "" });
  },

  onSignEnd() {
    this.last = null;
  },

  onClearSignature() {
    this.clearPad();
    this.setData({ hasSignature: false });
  },

  onSignerInput(e: WechatMiniprogram.Input) {
    this.setData({ signerName: e.detail.value, formError: "" });
  },

  onRemarkInput(e: WechatMiniprogram.Input) {
    this.setData({ remark: e.detail.value });
  },

  onChoosePhotos(): Promise<void> {
    const room = MAX_PHOTOS - this.data.photos.length;
    if (room <= 0) {
      toast(`最多 ${MAX_PHOTOS} 张照片`);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      wx.chooseMedia({
        count: room,
        mediaType: ["image"],
        sourceType: ["album", "camera"],
        sizeType: ["compressed"],
        success: (res) => {
          const files = res.tempFiles.filter((f) => f.size <= PHOTO_MAX_BYTES);
          if (files.length < res.tempFiles.length) toast("超过 8MB 的照片已忽略");
          this.setData({ photos: this.data.photos.concat(files.map((f) => f.tempFilePath)).slice(0, MAX_PHOTOS) }, () => resolve());
        },
        fail: () => resolve(),
      });
    });
  },

  onRemovePhoto(e: WechatMiniprogram.BaseEvent<Record<string, never>, { index?: number }>) {
    const index = Number(e.currentTarget.dataset.index);
    this.setData({ photos: this.data.photos.filter((_, i) => i !== index) });
  },

  onPreviewPhoto(e: WechatMiniprogram.BaseEvent<Record<string, never>, { src?: string; list?: string }>) {
    const { src } = e.currentTarget.dataset;
    const urls = e.currentTarget.dataset.list === "signoff" ? (this.data.signoff?.photoImages ?? []) : this.data.photos;
    if (src) void wx.previewImage({ current: src, urls }); // void: if the preview cannot open, the photo stays on the page
  },

  /** Attaches the current location (optional), or removes it. */
  onToggleGps(): Promise<void> {
    if (this.data.gps) {
      this.setData({ gps: null, gpsText: "" });
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      wx.getLocation({
        type: "gcj02",
        success: (res) => {
          const gps = { latitude: res.latitude, longitude: res.longitude, ...(res.accuracy ? { accuracy: Math.min(res.accuracy, 100_000) } : {}) };
          this.setData({ gps, gpsText: `${res.latitude.toFixed(5)}, ${res.longitude.toFixed(5)}` }, () => resolve());
        },
        fail: (err) => {
          toast(/auth deny|authorize/.test(err.errMsg) ? "未授权位置信息" : "定位失败");
          resolve();
        },
      });
    });
  },

  /** The pad as a PNG temp file. */
  exportSignature(): Promise<string> {
    const pad = this.pad;
    if (!pad) return Promise.reject(new Error("签名板未就绪"));
    return new Promise((resolve, reject) => {
      wx.canvasToTempFilePath({
        canvas: pad.canvas,
        fileType: "png",
        success: (res) => resolve(res.tempFilePath),
        fail: (err) => reject(new Error(err.errMsg || "签名导出失败")),
      });
    });
  },

  async onSubmit() {
    if (this.data.submitting || !this.data.delivery || this.data.signoff) return;
    const signerName = this.data.signerName.trim();
    if (!signerName) {
      this.setData({ formError: "请填写签收人姓名" });
      return;
    }
    if (!this.data.hasSignature) {
      this.setData({ formError: "请在签名框内签名" });
      return;
    }
    const ok = await confirmDialog("确认签收", `确认签收送货单 ${this.data.delivery.billNo}？签收后不可更改。`);
    if (!ok) return;

    this.setData({ submitting: true, formError: "" });
    void wx.showLoading({ title: "提交中", mask: true }); // void: the spinner is cosmetic; the submit goes on either way
    try {
      const signaturePath = await this.exportSignature();
      const signatureBase64 = await readFileBase64(signaturePath);
      const photosBase64: string[] = [];
      for (const photo of this.data.photos) photosBase64.push(await readFileBase64(photo));
      const remark = this.data.remark.trim();
      const gps = this.data.gps;
      const result = await authed(() =>
        api.mini.deliveries.sign.mutate({
          id: this.data.id,
          signerName,
          signedAt: new Date(),
          signatureBase64,
          photosBase64,
          ...(remark ? { remark } : {}),
          ...(gps ? { gps } : {}),
        }),
      );
      void wx.hideLoading(); // void: the spinner is cosmetic; the submit goes on either way
      // Already signed (on another phone, or a resubmit): this submit was not kept; the first sign-off stands.
      const alreadySignedNotice = result.alreadySigned
        ? `该送货单已于 ${formatDateTime(result.signedAt)} 由 ${result.signerName} 签收，本次提交未保存`
        : "";
      if (result.alreadySigned) toast("该送货单已签收过");
      else toast("签收成功", "success");
      this.setData({ submitting: false, photos: [], hasSignature: false, alreadySignedNotice });
      await this.load();
    } catch (error) {
      void wx.hideLoading(); // void: the spinner is cosmetic; the submit goes on either way
      this.setData({ submitting: false, formError: errorMessage(error) });
    }
  },
});
