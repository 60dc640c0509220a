import { api, errorCode, errorMessage } from "../../api/client";
import { getSession, saveSession } from "../../api/session";
import { wxLoginCode } from "../../api/wx";

const HOME = "/pages/deliveries/index";
/** Invite codes' scenes start with this (other codes' scenes are not invites). */
const INVITE_PREFIX = "i=";

/** `options.scene` of a mini-program code (`wxacode.getUnlimited`) arrives URL-encoded. */
function decodeScene(value: string | undefined): string {
  if (!value) return "";
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Sign-in. Three ways: a scanned invite code (`scene` → `mini.auth.bind` with a `wx.login` code),
 * WeChat login for an already bound WeChat user (`mini.auth.wxLogin`), or a login token from the
 * admin's QR code / for development (`mini.auth.login`).
 */
Page({
  data: {
    /** "checking" while signing in automatically, then "form". */
    stage: "checking" as "checking" | "form" | "done",
    token: "",
    scene: "",
    busy: false,
    error: "",
    /** Set when WeChat login worked but this WeChat user is not bound to a customer yet. */
    notBound: false,
    message: "",
  },

  async onLoad(query: Record<string, string | undefined>) {
    const scene = decodeScene(query.scene);
    const token = decodeScene(query.token);
    if (scene.startsWith(INVITE_PREFIX)) {
      this.setData({ scene });
      return this.bindWithScene();
    }
    if (token) {
      this.setData({ token });
      return this.onTokenLogin();
    }
    if (getSession()) return this.goHome();
    return this.onWechatLogin(true);
  },

  /** Binds this WeChat user to the customer of an invite (the scene of the scanned code). */
  async bindWithScene() {
    this.setData({ busy: true, error: "", stage: "checking", message: "正在绑定…" });
    try {
      const code = await wxLoginCode();
      const session = await api.mini.auth.bind.mutate({ code, scene: this.data.scene });
      saveSession(session);
      this.setData({ busy: false, message: "绑定成功" });
      return this.goHome();
    } catch (error) {
      const code = errorCode(error);
      const text =
        code === "CONFLICT"
          ? "此微信已绑定其他客户，请联系供应商重新发送邀请码"
          : code === "UNAUTHORIZED" || code === "BAD_REQUEST"
            ? `邀请码无效或已过期：${errorMessage(error)}`
            : errorMessage(error);
      this.setData({ busy: false, stage: "form", error: text, message: "" });
    }
  },

  /** WeChat login: works once this WeChat user was bound (via an invite code). */
  async onWechatLogin(silent?: unknown) {
    const quiet = silent === true;
    this.setData({ busy: true, error: "", notBound: false, message: quiet ? "" : "正在登录…" });
    try {
      const code = await wxLoginCode();
      const result = await api.mini.auth.wxLogin.mutate({ code });
      if (result.status === "ok") {
        saveSession(result);
        this.setData({ busy: false, message: "登录成功" });
        return this.goHome();
      }
      this.setData({ busy: false, stage: "form", notBound: true, message: "", error: quiet ? "" : "此微信尚未绑定客户，请扫描供应商发给您的邀请码" });
    } catch (error) {
      this.setData({ busy: false, stage: "form", message: "", error: quiet ? "" : errorMessage(error) });
    }
  },

  onTokenInput(e: WechatMiniprogram.Input) {
    this.setData({ token: e.detail.value, error: "" });
  },

  /** Login with a login token (the admin's QR code encodes it; paste it during development). */
  async onTokenLogin() {
    const token = this.data.token.trim();
    if (token.length < 16) {
      this.setData({ stage: "form", error: "请输入完整的登录码" });
      return;
    }
    this.setData({ busy: true, error: "", message: "正在登录…" });
    try {
      const session = await api.mini.auth.login.mutate({ token });
      saveSession(session);
      this.setData({ busy: false, message: "登录成功" });
      return this.goHome();
    } catch (error) {
      const text = errorCode(error) === "UNAUTHORIZED" ? "登录码无效或已过期" : errorMessage(error);
      this.setData({ busy: false, stage: "form", error: text, message: "" });
    }
  },

  /** Scans the admin's login QR code (it encodes the login token) or an invite code (a path with `scene=`). */
  onScan() {
    wx.scanCode({
      scanType: ["qrCode", "wxCode"],
      success: (res) => {
        const scene = decodeScene(/[?&]scene=([^&]+)/.exec(res.path ?? "")?.[1]);
        if (scene.startsWith(INVITE_PREFIX)) {
          this.setData({ scene });
          void this.bindWithScene();
          return;
        }
        this.setData({ token: (res.result ?? "").trim() });
        void this.onTokenLogin();
      },
      fail: (err) => {
        if (!/cancel/.test(err.errMsg)) this.setData({ error: err.errMsg });
      },
    });
  },

  goHome() {
    this.setData({ stage: "done" });
    void wx.reLaunch({ url: HOME }); // void: if the page cannot open, the user stays here and can tap again
  },
});
