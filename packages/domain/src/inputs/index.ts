// @erpbridge/domain/inputs: the shared zod schemas every API input is built from.
export {
  dateInput, dayInput, describeInputError, externalIdInput, idInput, MAX_INPUT_DATE, MIN_INPUT_DATE, pageInput, pageSizeInput,
  requiredText, textInput, urlInput, withDateRange,
} from "./schemas.js";
