CREATE TABLE "erasure_requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"person_kind" text NOT NULL,
	"person_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"status" text DEFAULT 'pending_approval' NOT NULL,
	"workflow_id" text NOT NULL,
	"requested_by_id" uuid NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"decided_by_id" uuid,
	"decided_at" timestamp with time zone,
	"decision_comment" text,
	"answer" text,
	"kept" jsonb,
	"completed_at" timestamp with time zone,
	CONSTRAINT "erasure_requests_workflow_id_unique" UNIQUE("workflow_id")
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "anonymised_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "suppliers" ADD COLUMN "contact_name" text;--> statement-breakpoint
ALTER TABLE "suppliers" ADD COLUMN "phone" text;--> statement-breakpoint
ALTER TABLE "suppliers" ADD COLUMN "contact_anonymised_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "erasure_requests" ADD CONSTRAINT "erasure_requests_requested_by_id_users_id_fk" FOREIGN KEY ("requested_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "erasure_requests" ADD CONSTRAINT "erasure_requests_decided_by_id_users_id_fk" FOREIGN KEY ("decided_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "erasure_requests_person_idx" ON "erasure_requests" USING btree ("person_kind","person_id");--> statement-breakpoint
CREATE INDEX "erasure_requests_requested_idx" ON "erasure_requests" USING btree ("requested_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "erasure_requests_one_open" ON "erasure_requests" USING btree ("person_kind","person_id") WHERE "erasure_requests"."status" in ('pending_approval', 'approved');--> statement-breakpoint
CREATE INDEX "mail_outbox_to_user_idx" ON "mail_outbox" USING btree ("to_user_id") WHERE "mail_outbox"."to_user_id" is not null;--> statement-breakpoint
CREATE INDEX "mail_outbox_to_address_idx" ON "mail_outbox" USING btree ("to_address") WHERE "mail_outbox"."to_user_id" is null;