ALTER TABLE "report_summary_refreshes" ADD COLUMN "changes" bigint DEFAULT -1 NOT NULL;--> statement-breakpoint
-- What the spend summary reads changes: every statement writing it bumps this counter (not transactional, no row to
-- lock, so writers never wait on each other for it). A refresh that finds it where the last one left it, with no writer
-- then at work, has nothing to recompute.
CREATE SEQUENCE "report_spend_changes";
--> statement-breakpoint
CREATE FUNCTION "note_spend_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM nextval('report_spend_changes');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "purchase_orders_spend_change" AFTER INSERT OR UPDATE OR DELETE ON "purchase_orders" FOR EACH STATEMENT EXECUTE FUNCTION "note_spend_change"();
--> statement-breakpoint
CREATE TRIGGER "purchase_order_lines_spend_change" AFTER INSERT OR UPDATE OR DELETE ON "purchase_order_lines" FOR EACH STATEMENT EXECUTE FUNCTION "note_spend_change"();
--> statement-breakpoint
CREATE TRIGGER "invoices_spend_change" AFTER INSERT OR UPDATE OR DELETE ON "invoices" FOR EACH STATEMENT EXECUTE FUNCTION "note_spend_change"();
--> statement-breakpoint
CREATE TRIGGER "invoice_lines_spend_change" AFTER INSERT OR UPDATE OR DELETE ON "invoice_lines" FOR EACH STATEMENT EXECUTE FUNCTION "note_spend_change"();
--> statement-breakpoint
CREATE TRIGGER "requisitions_spend_change" AFTER UPDATE OF "project_id" OR DELETE ON "requisitions" FOR EACH STATEMENT EXECUTE FUNCTION "note_spend_change"();
