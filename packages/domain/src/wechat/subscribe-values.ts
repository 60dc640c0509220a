/**
 * Subscribe-message value rules by key prefix (`thing1` → `thing`), after the WeChat reference
 * (wechat-wecom.md §2.3): a value breaking its rule is refused with 47003. Used to validate a
 * template configuration when it is saved, and to format/truncate values when a message is sent.
 */
export const SUBSCRIBE_KEY_PREFIXES = [
  "thing", "number", "letter", "symbol", "character_string", "time", "date", "amount", "phone_number", "car_number", "name", "phrase",
] as const;
export type SubscribeKeyPrefix = (typeof SUBSCRIBE_KEY_PREFIXES)[number];

const KEY_PATTERN = new RegExp(`^(${[...SUBSCRIBE_KEY_PREFIXES].sort((a, b) => b.length - a.length).join("|")})([1-9]\\d{0,2})$`);

/** `character_string12` → `character_string`; undefined when the key is not a WeChat template key. */
export function subscribeKeyPrefix(key: string): SubscribeKeyPrefix | undefined {
  return KEY_PATTERN.exec(key)?.[1] as SubscribeKeyPrefix | undefined;
}

const chars = (v: string) => [...v].length;
const TIME_PART = /^(\d{4}[-/年.]\d{1,2}[-/月.]\d{1,2}日?)?\s*(\d{1,2}:\d{2}(:\d{2})?)?$/;
const timeOrDate = (v: string) => v.split("~").every((part) => part.trim() !== "" && TIME_PART.test(part.trim()));

export const SUBSCRIBE_VALUE_RULES: Record<SubscribeKeyPrefix, { rule: string; test: (value: string) => boolean }> = {
  thing: { rule: "1–20 characters", test: (v) => chars(v) >= 1 && chars(v) <= 20 },
  number: { rule: "at most 32 digits, decimals allowed", test: (v) => v.length <= 32 && /^-?\d+(\.\d+)?$/.test(v) },
  letter: { rule: "at most 32 letters", test: (v) => /^[A-Za-z]{1,32}$/.test(v) },
  symbol: { rule: "at most 5 symbols", test: (v) => /^[^\p{L}\p{N}\s]{1,5}$/u.test(v) },
  character_string: { rule: "at most 32 digits, letters or symbols", test: (v) => /^[\x21-\x7e]{1,32}$/.test(v) },
  time: { rule: "a 24-hour time or date, optionally a range joined by ~", test: timeOrDate },
  date: { rule: "a date, optionally a range joined by ~", test: timeOrDate },
  amount: { rule: "one currency sign and at most 10 digits, optional trailing 元", test: (v) => /^[¥￥$€£]?\d{1,10}(\.\d{1,2})?元?$/.test(v) },
  phone_number: { rule: "at most 17 digits or symbols", test: (v) => /^[\d+\-() ]{1,17}$/.test(v) },
  car_number: {
    rule: "at most 8 characters, first and last may be Chinese",
    test: (v) => chars(v) <= 8 && /^[\u4e00-\u9fa5A-Za-z0-9][A-Za-z0-9]*[\u4e00-\u9fa5A-Za-z0-9]?$/.test(v),
  },
  name: { rule: "at most 10 Chinese characters or 20 letters", test: (v) => /^[\u4e00-\u9fa5·]{1,10}$/.test(v) || /^[A-Za-z ]{1,20}$/.test(v) },
  phrase: { rule: "at most 5 Chinese characters", test: (v) => /^[\u4e00-\u9fa5]{1,5}$/.test(v) },
};

/** Whether `value` is acceptable for template key `key`. */
export function subscribeValueValid(key: string, value: string): boolean {
  const prefix = subscribeKeyPrefix(key);
  return prefix !== undefined && SUBSCRIBE_VALUE_RULES[prefix].test(value);
}

const truncate = (v: string, max: number) => {
  const cps = [...v];
  return cps.length <= max ? v : `${cps.slice(0, max - 1).join("")}…`;
};

/**
 * Fits a value to its key's rule where that can be done without changing its meaning: text is
 * trimmed and truncated (`thing` to 20 characters with an ellipsis, `character_string` to 32 printable
 * ASCII characters), amounts get a currency sign and two decimals. Other kinds are passed through
 * (a value that still breaks the rule is refused by WeChat with 47003 and logged as failed).
 */
export function formatSubscribeValue(key: string, raw: string | number | null | undefined): string {
  const prefix = subscribeKeyPrefix(key);
  const text = String(raw ?? "").replace(/\s+/g, " ").trim();
  switch (prefix) {
    case "thing":
      return truncate(text || "-", 20);
    case "character_string": {
      const ascii = text.replace(/[^\x21-\x7e]/g, "");
      return (ascii || "-").slice(0, 32);
    }
    case "letter":
      return (text.replace(/[^A-Za-z]/g, "") || "-").slice(0, 32);
    case "number":
      return text.slice(0, 32) || "0";
    case "amount": {
      const n = Number(text.replace(/[¥￥$€£元,]/g, ""));
      return Number.isFinite(n) ? `¥${n.toFixed(2)}` : text;
    }
    case "phone_number":
      return text.replace(/[^\d+\-() ]/g, "").slice(0, 17);
    default:
      return text;
  }
}
