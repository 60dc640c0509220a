export type SchedulerBackendName = "mongo" | "postgres";
