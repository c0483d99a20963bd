DROP INDEX "tasks_assignee_open_idx";--> statement-breakpoint
DROP INDEX "tasks_candidate_open_idx";--> statement-breakpoint
CREATE INDEX "tasks_assignee_inbox_idx" ON "tasks" USING btree ("assignee_id",coalesce("due_at", 'infinity'::timestamptz),"id") WHERE "tasks"."status" = 'open';--> statement-breakpoint
CREATE INDEX "tasks_pool_inbox_idx" ON "tasks" USING btree ("candidate_role",coalesce("due_at", 'infinity'::timestamptz),"id") WHERE "tasks"."status" = 'open' and "tasks"."assignee_id" is null;