import { API_URL } from "./client";
import { networkLimiter } from "./limiter";
import { getToken } from "./session";

/** `wx.login` → the one-time code (valid 5 minutes, single use) for `mini.auth.wxLogin` / `bind`. */
export function wxLoginCode(): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.login({
      timeout: 10_000,
      success: (res) => (res.code ? resolve(res.code) : reject(new Error(`wx.login gave no code: ${res.errMsg}`))),
      fail: (err) => reject(new Error(err.errMsg || "wx.login failed")),
    });
  });
}

/** A file as base64 (`readFile` with `encoding: "base64"`). */
export function readFileBase64(filePath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.getFileSystemManager().readFile({
      filePath,
      encoding: "base64",
      success: (res) => resolve(typeof res.data === "string" ? res.data : ""),
      fail: (err) => reject(new Error(err.errMsg || `cannot read ${filePath}`)),
    });
  });
}

/**
 * Downloads a file behind an authorized URL (sign-off images: `GET` with the Bearer token; an
 * `<image src>` cannot send headers) to a temp path. Shares the 10-in-flight limit with requests.
 */
export function downloadAuthorized(path: string): Promise<string> {
  const token = getToken();
  const url = /^https?:\/\//.test(path) ? path : `${API_URL}${path.startsWith("/") ? "" : "/"}${path}`;
  return networkLimiter().run(
    () =>
      new Promise<string>((resolve, reject) => {
        wx.downloadFile({
          url,
          header: token ? { authorization: `Bearer ${token}` } : {},
          success: (res) =>
            res.statusCode >= 200 && res.statusCode < 300 ? resolve(res.tempFilePath) : reject(new Error(`download failed: HTTP ${res.statusCode}`)),
          fail: (err) => reject(new Error(err.errMsg || "download failed")),
        });
      }),
  );
}

export function toast(title: string, icon: "success" | "error" | "none" = "none"): void {
  void wx.showToast({ title: title.slice(0, 40), icon, duration: 2000 }); // void: a toast that cannot show has nothing to tell the user
}

/** A confirm dialog; resolves true when the customer taps confirm. */
export function confirmDialog(title: string, content: string): Promise<boolean> {
  return new Promise((resolve) => {
    wx.showModal({
      title,
      content,
      confirmText: "确认",
      cancelText: "取消",
      success: (res) => resolve(Boolean(res.confirm)),
      fail: () => resolve(false),
    });
  });
}
