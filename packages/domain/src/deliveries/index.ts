// @erpbridge/domain/deliveries: deliveries as customers see them, and their sign-off.
export {
  DELIVERY_STATUSES, findSignoffFile, getDelivery, listDeliveries, signDelivery,
  type DeliveryStatus, type SignoffGps, type SignoffSnapshot,
  type CustomerScope, type DeliveryDetailRecord, type DeliveryItemRecord, type DeliveryRecord, type DeliverySignoffRecord,
  type ListDeliveriesInput, type Page, type SignDeliveryInput, type SignDeliveryResult, type SignoffFileOwner,
} from "./deliveries.js";
