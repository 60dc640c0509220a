import { randomBytes, randomInt } from "node:crypto";

const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export const alnum = (n: number) => Array.from({ length: n }, () => ALNUM[randomInt(ALNUM.length)]).join("");
export const hex = (bytes: number) => randomBytes(bytes).toString("hex");
export const base64url = (bytes: number) => randomBytes(bytes).toString("base64url");

/** `o` + 27 url-safe characters, the shape of real openids/unionids. */
export const newOpenid = () => "o" + base64url(21).slice(0, 27);
/** `wx.login` codes are 32 alphanumerics. */
export const newLoginCode = () => alnum(32);
/** Phone codes are long opaque hex strings. */
export const newPhoneCode = () => hex(32);
/** 16 random bytes, base64 (24 characters), like a real session_key. */
export const newSessionKey = () => randomBytes(16).toString("base64");
/** Access tokens: a numeric prefix, `_`, then url-safe characters (~136 chars like the real ones). */
export const newAccessToken = () => `${randomInt(60, 99)}_${base64url(100)}`;
export const ACCESS_TOKEN_SHAPE = /^\d+_[A-Za-z0-9_-]{20,}$/;
/** The trailing request id of errmsg: `rid: 6129ee10-1f6e4c8f-3f5a0f2b`. */
export const newRid = () => `${hex(4)}-${hex(4)}-${hex(4)}`;
