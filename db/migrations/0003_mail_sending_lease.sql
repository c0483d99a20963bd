ALTER TABLE "mail_outbox" ADD COLUMN "sending_by" uuid;--> statement-breakpoint
ALTER TABLE "mail_outbox" ADD COLUMN "sending_until" timestamp with time zone;