// @erpbridge/domain/customers: the customer directory, login tokens and customer sessions.
export {
  hashToken, issueLoginToken, listLoginTokens, loginWithToken, resolveCustomerSession, revokeLoginToken, type CustomerIdentity,
  type IssuedLoginToken, type IssuedToken, type LoginTokenRecord,
} from "./customer-access.js";
export { CustomerSessionCache, type SessionCacheOptions } from "./session-cache.js";
export {
  createCustomer, createCustomerInput, customerExists, listCustomers, listCustomersInput,
  type CreateCustomerInput, type CreatedCustomer, type CustomerList, type CustomerRecord, type ListCustomersInput,
} from "./directory.js";
