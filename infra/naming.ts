/** `work` → `Work`: logical ids of per-spec resources (WorkQueue, WorkerFunction) in both front doors. */
export const pascal = (id: string): string => id.charAt(0).toUpperCase() + id.slice(1);
