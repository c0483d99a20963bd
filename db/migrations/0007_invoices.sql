CREATE TABLE "accounting_exports" (
	"id" uuid PRIMARY KEY NOT NULL,
	"number" text NOT NULL,
	"reexport" boolean NOT NULL,
	"invoice_ids" uuid[] NOT NULL,
	"count" integer NOT NULL,
	"total" numeric(18, 2) NOT NULL,
	"bills" jsonb NOT NULL,
	"created_by_id" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "accounting_exports_number_unique" UNIQUE("number")
);
--> statement-breakpoint
CREATE TABLE "invoice_holds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"invoice_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"line_id" uuid,
	"line_no" integer,
	"expected" text NOT NULL,
	"actual" text NOT NULL,
	"variance" text NOT NULL,
	"allowed" text NOT NULL,
	"above_twice_tolerance" boolean NOT NULL,
	"detail" text NOT NULL,
	"placed_round" integer NOT NULL,
	"placed_at" timestamp with time zone NOT NULL,
	"released_at" timestamp with time zone,
	"released_round" integer,
	"release" text,
	"released_by_id" uuid,
	"release_note" text
);
--> statement-breakpoint
CREATE TABLE "invoice_lines" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"invoice_id" uuid NOT NULL,
	"line_no" integer NOT NULL,
	"purchase_order_line_id" uuid NOT NULL,
	"quantity" numeric(18, 4) NOT NULL,
	"unit_price" numeric(18, 4) NOT NULL,
	"amount" numeric(18, 2) NOT NULL,
	CONSTRAINT "invoice_lines_no" UNIQUE("invoice_id","line_no")
);
--> statement-breakpoint
CREATE TABLE "invoice_matches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"invoice_id" uuid NOT NULL,
	"round" integer NOT NULL,
	"matched" boolean NOT NULL,
	"result" jsonb NOT NULL,
	"trigger" text NOT NULL,
	"matched_at" timestamp with time zone NOT NULL,
	CONSTRAINT "invoice_matches_round" UNIQUE("invoice_id","round")
);
--> statement-breakpoint
CREATE TABLE "invoice_payments" (
	"invoice_id" uuid PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"paid_on" date NOT NULL,
	"amount" numeric(18, 2) NOT NULL,
	"payment_run_id" uuid,
	"recorded_by_id" uuid,
	"recorded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" uuid PRIMARY KEY NOT NULL,
	"seq" bigserial NOT NULL,
	"number" text NOT NULL,
	"kind" text NOT NULL,
	"supplier_id" uuid NOT NULL,
	"invoice_number" text NOT NULL,
	"credit_for_id" uuid,
	"purchase_order_id" uuid NOT NULL,
	"invoice_date" date NOT NULL,
	"currency" text NOT NULL,
	"subtotal" numeric(18, 2) NOT NULL,
	"tax_amount" numeric(18, 2) NOT NULL,
	"total" numeric(18, 2) NOT NULL,
	"status" text DEFAULT 'matching' NOT NULL,
	"note" text,
	"entered_by_id" uuid NOT NULL,
	"workflow_id" text NOT NULL,
	"terms" text NOT NULL,
	"due_date" date,
	"discount_date" date,
	"discount_amount" numeric(18, 2),
	"matched_at" timestamp with time zone,
	"approved_at" timestamp with time zone,
	"approved_by_id" uuid,
	"approved_automatically" boolean,
	"variance_accepted_by_id" uuid,
	"rejected_at" timestamp with time zone,
	"rejected_by_id" uuid,
	"rejection_reason" text,
	"paid_at" timestamp with time zone,
	"exported_at" timestamp with time zone,
	"export_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invoices_number_unique" UNIQUE("number"),
	CONSTRAINT "invoices_supplier_number" UNIQUE("supplier_id","invoice_number"),
	CONSTRAINT "invoices_kind_sign" CHECK (("invoices"."kind" = 'invoice' and "invoices"."total" >= 0 and "invoices"."credit_for_id" is null) or ("invoices"."kind" = 'credit_note' and "invoices"."total" < 0 and "invoices"."credit_for_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "payment_run_items" (
	"run_id" uuid NOT NULL,
	"invoice_id" uuid NOT NULL,
	"amount" numeric(18, 2) NOT NULL,
	CONSTRAINT "payment_run_items_run_id_invoice_id_pk" PRIMARY KEY("run_id","invoice_id")
);
--> statement-breakpoint
CREATE TABLE "payment_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"number" text NOT NULL,
	"due_by" date NOT NULL,
	"paid_on" date NOT NULL,
	"reference" text NOT NULL,
	"total" numeric(18, 2) NOT NULL,
	"count" integer NOT NULL,
	"created_by_id" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "payment_runs_number_unique" UNIQUE("number")
);
--> statement-breakpoint
CREATE TABLE "supplier_match_tolerances" (
	"supplier_id" uuid PRIMARY KEY NOT NULL,
	"tolerances" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" uuid
);
--> statement-breakpoint
ALTER TABLE "suppliers" ADD COLUMN "discount_percent" numeric(5, 2);--> statement-breakpoint
ALTER TABLE "suppliers" ADD COLUMN "discount_days" integer;--> statement-breakpoint
ALTER TABLE "accounting_exports" ADD CONSTRAINT "accounting_exports_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_holds" ADD CONSTRAINT "invoice_holds_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_holds" ADD CONSTRAINT "invoice_holds_line_id_purchase_order_lines_id_fk" FOREIGN KEY ("line_id") REFERENCES "public"."purchase_order_lines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_holds" ADD CONSTRAINT "invoice_holds_released_by_id_users_id_fk" FOREIGN KEY ("released_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_lines" ADD CONSTRAINT "invoice_lines_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_lines" ADD CONSTRAINT "invoice_lines_purchase_order_line_id_purchase_order_lines_id_fk" FOREIGN KEY ("purchase_order_line_id") REFERENCES "public"."purchase_order_lines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_matches" ADD CONSTRAINT "invoice_matches_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_payments" ADD CONSTRAINT "invoice_payments_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_payments" ADD CONSTRAINT "invoice_payments_payment_run_id_payment_runs_id_fk" FOREIGN KEY ("payment_run_id") REFERENCES "public"."payment_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_payments" ADD CONSTRAINT "invoice_payments_recorded_by_id_users_id_fk" FOREIGN KEY ("recorded_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_supplier_id_suppliers_id_fk" FOREIGN KEY ("supplier_id") REFERENCES "public"."suppliers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_credit_for_id_invoices_id_fk" FOREIGN KEY ("credit_for_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_purchase_order_id_purchase_orders_id_fk" FOREIGN KEY ("purchase_order_id") REFERENCES "public"."purchase_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_entered_by_id_users_id_fk" FOREIGN KEY ("entered_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_approved_by_id_users_id_fk" FOREIGN KEY ("approved_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_variance_accepted_by_id_users_id_fk" FOREIGN KEY ("variance_accepted_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_rejected_by_id_users_id_fk" FOREIGN KEY ("rejected_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_run_items" ADD CONSTRAINT "payment_run_items_run_id_payment_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."payment_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_run_items" ADD CONSTRAINT "payment_run_items_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_runs" ADD CONSTRAINT "payment_runs_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supplier_match_tolerances" ADD CONSTRAINT "supplier_match_tolerances_supplier_id_suppliers_id_fk" FOREIGN KEY ("supplier_id") REFERENCES "public"."suppliers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supplier_match_tolerances" ADD CONSTRAINT "supplier_match_tolerances_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "invoice_holds_invoice_idx" ON "invoice_holds" USING btree ("invoice_id","placed_at");--> statement-breakpoint
CREATE INDEX "invoice_holds_open_idx" ON "invoice_holds" USING btree ("reason") WHERE "invoice_holds"."released_at" is null;--> statement-breakpoint
CREATE INDEX "invoice_lines_po_line_idx" ON "invoice_lines" USING btree ("purchase_order_line_id");--> statement-breakpoint
CREATE INDEX "invoice_payments_run_idx" ON "invoice_payments" USING btree ("payment_run_id");--> statement-breakpoint
CREATE INDEX "invoices_po_idx" ON "invoices" USING btree ("purchase_order_id","seq");--> statement-breakpoint
CREATE INDEX "invoices_status_due_idx" ON "invoices" USING btree ("status","due_date");--> statement-breakpoint
CREATE INDEX "invoices_supplier_date_idx" ON "invoices" USING btree ("supplier_id","invoice_date");--> statement-breakpoint
CREATE INDEX "invoices_credit_for_idx" ON "invoices" USING btree ("credit_for_id");