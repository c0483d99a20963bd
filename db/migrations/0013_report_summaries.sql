CREATE TABLE "report_summary_refreshes" (
	"name" text PRIMARY KEY NOT NULL,
	"refreshed_at" timestamp with time zone NOT NULL,
	"took_ms" integer NOT NULL,
	"checksum" text NOT NULL
);
--> statement-breakpoint
-- The finance dashboard's spend, materialised (see db/schema/reports.ts): the reports' definitions of ordered, billed and actual.
CREATE MATERIALIZED VIEW "report_spend_summary" AS
SELECT kind, month, project_id, sum(amount)::numeric(18, 2) AS amount FROM (
  SELECT 'ordered'::text AS kind, date_trunc('month', po.issued_at AT TIME ZONE 'UTC')::date AS month, r.project_id,
      round((pol.quantity - pol.cancelled_quantity) * pol.unit_price, 2) AS amount
    FROM purchase_order_lines pol JOIN purchase_orders po ON po.id = pol.purchase_order_id LEFT JOIN requisitions r ON r.id = po.requisition_id
    WHERE po.status IN ('issued', 'partially_received', 'received')
  UNION ALL
  SELECT 'billed', date_trunc('month', po.issued_at AT TIME ZONE 'UTC')::date, r.project_id, round(il.quantity * pol.unit_price, 2)
    FROM invoice_lines il JOIN invoices i ON i.id = il.invoice_id AND i.status IN ('approved', 'paid')
      JOIN purchase_order_lines pol ON pol.id = il.purchase_order_line_id JOIN purchase_orders po ON po.id = pol.purchase_order_id
      LEFT JOIN requisitions r ON r.id = po.requisition_id
    WHERE po.status IN ('issued', 'partially_received', 'received')
  UNION ALL
  SELECT 'actual', date_trunc('month', i.invoice_date)::date, r.project_id, il.amount
    FROM invoice_lines il JOIN invoices i ON i.id = il.invoice_id AND i.status IN ('approved', 'paid')
      JOIN purchase_order_lines pol ON pol.id = il.purchase_order_line_id JOIN purchase_orders po ON po.id = pol.purchase_order_id
      LEFT JOIN requisitions r ON r.id = po.requisition_id
) spend GROUP BY kind, month, project_id;
--> statement-breakpoint
-- REFRESH ... CONCURRENTLY needs a unique index over plain columns; a missing project is one key of its own.
CREATE UNIQUE INDEX "report_spend_summary_key" ON "report_spend_summary" (kind, month, project_id) NULLS NOT DISTINCT;
--> statement-breakpoint
INSERT INTO "report_summary_refreshes" (name, refreshed_at, took_ms, checksum) VALUES ('spend', now(), 0, '');
--> statement-breakpoint
-- Live dashboards (issue #16): a statement that changes a record a dashboard counts tells the API (NOTIFY, delivered at
-- commit, identical ones folded into one per transaction), which tells the open home pages it concerns over their
-- event stream. Requisitions and tasks name the requesters whose "my requests" moved (at most 100; more: everyone).
CREATE FUNCTION "notify_dashboard_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM changed) THEN
    PERFORM pg_notify('dashboard_events', json_build_object('table', TG_TABLE_NAME)::text);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "notify_requisition_dashboard_change"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  requesters json;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM changed) THEN RETURN NULL; END IF;
  SELECT CASE WHEN count(*) > 100 THEN NULL ELSE json_agg(requester_id) END INTO requesters
    FROM (SELECT DISTINCT requester_id FROM changed LIMIT 101) ids;
  PERFORM pg_notify('dashboard_events', json_build_object('table', 'requisitions', 'userIds', requesters)::text);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "notify_task_dashboard_change"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  requesters json;
  kinds json;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM changed) THEN RETURN NULL; END IF;
  SELECT json_agg(DISTINCT kind) INTO kinds FROM changed;
  SELECT CASE WHEN count(*) > 100 THEN NULL ELSE coalesce(json_agg(requester_id), '[]'::json) END INTO requesters
    FROM (SELECT DISTINCT r.requester_id FROM requisitions r
      -- a requisition's process is requisition-<its id> (domain/src/processes.ts): found by primary key
      JOIN (SELECT DISTINCT substr(process_id, 13)::uuid AS id FROM changed WHERE process_id ~ '^requisition-[0-9a-f-]{36}$') p ON p.id = r.id
      LIMIT 101) ids;
  PERFORM pg_notify('dashboard_events', json_build_object('table', 'tasks', 'userIds', requesters, 'kinds', kinds)::text);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "requisitions_dashboard_insert" AFTER INSERT ON "requisitions" REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_requisition_dashboard_change"();
--> statement-breakpoint
CREATE TRIGGER "requisitions_dashboard_update" AFTER UPDATE ON "requisitions" REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_requisition_dashboard_change"();
--> statement-breakpoint
CREATE TRIGGER "requisitions_dashboard_delete" AFTER DELETE ON "requisitions" REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_requisition_dashboard_change"();
--> statement-breakpoint
CREATE TRIGGER "tasks_dashboard_insert" AFTER INSERT ON "tasks" REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_task_dashboard_change"();
--> statement-breakpoint
CREATE TRIGGER "tasks_dashboard_update" AFTER UPDATE ON "tasks" REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_task_dashboard_change"();
--> statement-breakpoint
CREATE TRIGGER "tasks_dashboard_delete" AFTER DELETE ON "tasks" REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_task_dashboard_change"();
--> statement-breakpoint
CREATE TRIGGER "purchase_orders_dashboard_insert" AFTER INSERT ON "purchase_orders" REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_dashboard_change"();
--> statement-breakpoint
CREATE TRIGGER "purchase_orders_dashboard_update" AFTER UPDATE ON "purchase_orders" REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_dashboard_change"();
--> statement-breakpoint
CREATE TRIGGER "purchase_orders_dashboard_delete" AFTER DELETE ON "purchase_orders" REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_dashboard_change"();
--> statement-breakpoint
CREATE TRIGGER "invoices_dashboard_insert" AFTER INSERT ON "invoices" REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_dashboard_change"();
--> statement-breakpoint
CREATE TRIGGER "invoices_dashboard_update" AFTER UPDATE ON "invoices" REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_dashboard_change"();
--> statement-breakpoint
CREATE TRIGGER "invoices_dashboard_delete" AFTER DELETE ON "invoices" REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_dashboard_change"();
--> statement-breakpoint
CREATE TRIGGER "invoice_holds_dashboard_insert" AFTER INSERT ON "invoice_holds" REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_dashboard_change"();
--> statement-breakpoint
CREATE TRIGGER "invoice_holds_dashboard_update" AFTER UPDATE ON "invoice_holds" REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_dashboard_change"();
--> statement-breakpoint
CREATE TRIGGER "invoice_holds_dashboard_delete" AFTER DELETE ON "invoice_holds" REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_dashboard_change"();
--> statement-breakpoint
CREATE TRIGGER "budgets_dashboard_insert" AFTER INSERT ON "budgets" REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_dashboard_change"();
--> statement-breakpoint
CREATE TRIGGER "budgets_dashboard_update" AFTER UPDATE ON "budgets" REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_dashboard_change"();
--> statement-breakpoint
CREATE TRIGGER "budgets_dashboard_delete" AFTER DELETE ON "budgets" REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_dashboard_change"();
