export type { ProjectedDocument, Projection, ProjectionContext, RecordFailure } from "./projection.js";
export { markStaleCte, refreshStaleStatements, refreshStatements } from "./statements.js";
