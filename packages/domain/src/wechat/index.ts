// @erpbridge/domain/wechat: WeChat bindings (invites, logins, sessions) and subscribe-message values.
export {
  addSubscribeCredits, bindWithInvite, checkInvite, createCustomerInvite, discardCustomerInvite,
  listCustomerBindings, loginWithOpenid, removeBinding, resolveWechatSession, setBindingPhone, subscribeCredits,
  WechatAlreadyBoundError, WechatInviteError,
  type BindResult, type CustomerInvite, type InviteProblem, type ResolvedSession, type WechatBindingRecord, type WechatSession, type WechatUser,
} from "./bindings.js";
export {
  formatSubscribeValue, SUBSCRIBE_KEY_PREFIXES, SUBSCRIBE_VALUE_RULES, subscribeValueValid, type SubscribeKeyPrefix,
} from "./subscribe-values.js";
