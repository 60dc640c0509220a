// @erpbridge/domain/call-log: the record of calls made to outside APIs.
export { ApiCallLog, listCallsInput, type CallList, type CallLogEntry, type ListCallsInput } from "./call-log.js";
