// @erpbridge/domain/connectors: the connectors that plug outside systems into the sync engine (today JDY).
export { kingdeeTime } from "./jdy/values.js";
export { jdyConnector, jdyJobNames, jdyJobs, jdyStreams, type JdyJobName, type JdyStreamName } from "./jdy/streams.js";
