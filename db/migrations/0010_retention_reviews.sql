CREATE TABLE "audit_log_disposals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"first_seq" bigint NOT NULL,
	"last_seq" bigint NOT NULL,
	"entry_count" integer NOT NULL,
	"last_hash" text NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	"disposed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "audit_log_disposals_first_seq_unique" UNIQUE("first_seq"),
	CONSTRAINT "audit_log_disposals_last_seq_unique" UNIQUE("last_seq"),
	CONSTRAINT "audit_log_disposals_range" CHECK ("audit_log_disposals"."first_seq" >= 1 and "audit_log_disposals"."last_seq" >= "audit_log_disposals"."first_seq" and "audit_log_disposals"."entry_count" = "audit_log_disposals"."last_seq" - "audit_log_disposals"."first_seq" + 1)
);
--> statement-breakpoint
CREATE TABLE "retention_extensions" (
	"record_class" text NOT NULL,
	"record_id" text NOT NULL,
	"until" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"extended_by_id" uuid NOT NULL,
	"extended_at" timestamp with time zone NOT NULL,
	"review_item_id" uuid,
	CONSTRAINT "retention_extensions_record_class_record_id_pk" PRIMARY KEY("record_class","record_id")
);
--> statement-breakpoint
CREATE TABLE "retention_review_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"review_id" uuid NOT NULL,
	"batch" integer NOT NULL,
	"record_class" text NOT NULL,
	"record_id" text NOT NULL,
	"number" text NOT NULL,
	"event_at" timestamp with time zone NOT NULL,
	"retention_date" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"decision" text,
	"decided_by_id" uuid,
	"decided_at" timestamp with time zone,
	"confirmed_by_id" uuid,
	"extended_until" timestamp with time zone,
	"reason" text,
	"note" text,
	CONSTRAINT "retention_review_items_record" UNIQUE("review_id","record_class","record_id")
);
--> statement-breakpoint
CREATE TABLE "retention_reviews" (
	"id" uuid PRIMARY KEY NOT NULL,
	"number" text NOT NULL,
	"trigger" text NOT NULL,
	"started_by_id" uuid,
	"workflow_id" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "retention_reviews_number_unique" UNIQUE("number")
);
--> statement-breakpoint
CREATE TABLE "retention_tombstones" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"review_id" uuid,
	"review_item_id" uuid,
	"record_class" text NOT NULL,
	"record_id" text NOT NULL,
	"number" text NOT NULL,
	"event_at" timestamp with time zone NOT NULL,
	"retention_date" timestamp with time zone NOT NULL,
	"approved_by_id" uuid NOT NULL,
	"confirmed_by_id" uuid,
	"disposed_at" timestamp with time zone NOT NULL,
	"details" jsonb NOT NULL,
	CONSTRAINT "retention_tombstones_review_item_id_unique" UNIQUE("review_item_id")
);
--> statement-breakpoint
ALTER TABLE "retention_extensions" ADD CONSTRAINT "retention_extensions_extended_by_id_users_id_fk" FOREIGN KEY ("extended_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retention_extensions" ADD CONSTRAINT "retention_extensions_review_item_id_retention_review_items_id_fk" FOREIGN KEY ("review_item_id") REFERENCES "public"."retention_review_items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retention_review_items" ADD CONSTRAINT "retention_review_items_review_id_retention_reviews_id_fk" FOREIGN KEY ("review_id") REFERENCES "public"."retention_reviews"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retention_review_items" ADD CONSTRAINT "retention_review_items_decided_by_id_users_id_fk" FOREIGN KEY ("decided_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retention_review_items" ADD CONSTRAINT "retention_review_items_confirmed_by_id_users_id_fk" FOREIGN KEY ("confirmed_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retention_reviews" ADD CONSTRAINT "retention_reviews_started_by_id_users_id_fk" FOREIGN KEY ("started_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retention_tombstones" ADD CONSTRAINT "retention_tombstones_review_id_retention_reviews_id_fk" FOREIGN KEY ("review_id") REFERENCES "public"."retention_reviews"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retention_tombstones" ADD CONSTRAINT "retention_tombstones_review_item_id_retention_review_items_id_fk" FOREIGN KEY ("review_item_id") REFERENCES "public"."retention_review_items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retention_tombstones" ADD CONSTRAINT "retention_tombstones_approved_by_id_users_id_fk" FOREIGN KEY ("approved_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retention_tombstones" ADD CONSTRAINT "retention_tombstones_confirmed_by_id_users_id_fk" FOREIGN KEY ("confirmed_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "retention_review_items_batch_idx" ON "retention_review_items" USING btree ("review_id","batch");--> statement-breakpoint
CREATE UNIQUE INDEX "retention_review_items_open_idx" ON "retention_review_items" USING btree ("record_class","record_id") WHERE "retention_review_items"."status" in ('pending', 'awaiting_confirmation');--> statement-breakpoint
CREATE INDEX "retention_reviews_started_idx" ON "retention_reviews" USING btree ("started_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "retention_tombstones_record_idx" ON "retention_tombstones" USING btree ("record_class","record_id");--> statement-breakpoint
CREATE INDEX "retention_tombstones_disposed_idx" ON "retention_tombstones" USING btree ("disposed_at","id");--> statement-breakpoint
-- Audit entries past retention go only by a recorded disposal (db/schema/retention.ts):
-- a DELETE of an entry outside every recorded range is refused, as before.
CREATE OR REPLACE FUNCTION audit_log_delete_disposed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.seal_seq IS NOT NULL AND EXISTS (
    SELECT 1 FROM audit_log_disposals d WHERE OLD.seal_seq BETWEEN d.first_seq AND d.last_seq
  ) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: DELETE of entry % refused (only a recorded retention disposal removes entries)', OLD.id
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
DROP TRIGGER "audit_log_no_delete" ON "audit_log";--> statement-breakpoint
CREATE TRIGGER audit_log_delete_disposed
  BEFORE DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_delete_disposed();
--> statement-breakpoint
-- A disposed range is a prefix of the chain: it starts where the last one ended, ends at a
-- sealed entry whose hash it records, and is never changed or removed.
CREATE OR REPLACE FUNCTION audit_log_disposals_prefix() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION 'audit_log_disposals only grows: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.first_seq <> coalesce((SELECT max(last_seq) FROM audit_log_disposals), 0) + 1 THEN
    RAISE EXCEPTION 'an audit disposal must start where the last ended (entry %), not at %', coalesce((SELECT max(last_seq) FROM audit_log_disposals), 0) + 1, NEW.first_seq
      USING ERRCODE = 'check_violation';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM audit_log WHERE seal_seq = NEW.last_seq AND hash = NEW.last_hash) THEN
    RAISE EXCEPTION 'an audit disposal must end at a sealed entry with the hash it records (entry %)', NEW.last_seq
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_disposals_prefix
  BEFORE INSERT OR UPDATE OR DELETE ON audit_log_disposals
  FOR EACH ROW EXECUTE FUNCTION audit_log_disposals_prefix();
--> statement-breakpoint
CREATE TRIGGER audit_log_disposals_no_truncate
  BEFORE TRUNCATE ON audit_log_disposals
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
