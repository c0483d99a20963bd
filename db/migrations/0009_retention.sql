CREATE TABLE "legal_holds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"scope" text NOT NULL,
	"record_class" text,
	"record_id" text,
	"supplier_id" uuid,
	"project_id" uuid,
	"target" text NOT NULL,
	"reason" text NOT NULL,
	"placed_by_id" uuid NOT NULL,
	"placed_at" timestamp with time zone NOT NULL,
	"released_at" timestamp with time zone,
	"released_by_id" uuid,
	"release_reason" text,
	CONSTRAINT "legal_holds_scope_target" CHECK (("legal_holds"."scope" = 'record' and "legal_holds"."record_class" is not null and "legal_holds"."record_id" is not null and "legal_holds"."supplier_id" is null and "legal_holds"."project_id" is null)
        or ("legal_holds"."scope" = 'supplier' and "legal_holds"."supplier_id" is not null and "legal_holds"."record_class" is null and "legal_holds"."record_id" is null and "legal_holds"."project_id" is null)
        or ("legal_holds"."scope" = 'project' and "legal_holds"."project_id" is not null and "legal_holds"."record_class" is null and "legal_holds"."record_id" is null and "legal_holds"."supplier_id" is null)),
	CONSTRAINT "legal_holds_release_whole" CHECK (("legal_holds"."released_at" is null) = ("legal_holds"."released_by_id" is null) and ("legal_holds"."released_at" is null) = ("legal_holds"."release_reason" is null))
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "deactivated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "legal_holds" ADD CONSTRAINT "legal_holds_supplier_id_suppliers_id_fk" FOREIGN KEY ("supplier_id") REFERENCES "public"."suppliers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "legal_holds" ADD CONSTRAINT "legal_holds_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "legal_holds" ADD CONSTRAINT "legal_holds_placed_by_id_users_id_fk" FOREIGN KEY ("placed_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "legal_holds" ADD CONSTRAINT "legal_holds_released_by_id_users_id_fk" FOREIGN KEY ("released_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "legal_holds_record_idx" ON "legal_holds" USING btree ("record_class","record_id") WHERE "legal_holds"."released_at" is null;--> statement-breakpoint
CREATE INDEX "legal_holds_supplier_idx" ON "legal_holds" USING btree ("supplier_id") WHERE "legal_holds"."released_at" is null;--> statement-breakpoint
CREATE INDEX "legal_holds_project_idx" ON "legal_holds" USING btree ("project_id") WHERE "legal_holds"."released_at" is null;--> statement-breakpoint
CREATE INDEX "legal_holds_placed_idx" ON "legal_holds" USING btree ("placed_at","id");--> statement-breakpoint
CREATE INDEX "users_deactivated_idx" ON "users" USING btree ("deactivated_at") WHERE not "users"."active";--> statement-breakpoint
CREATE INDEX "requisitions_ended_idx" ON "requisitions" USING btree ("updated_at") WHERE "requisitions"."status" in ('rejected', 'withdrawn', 'closed');--> statement-breakpoint
CREATE INDEX "purchase_orders_closed_idx" ON "purchase_orders" USING btree ("closed_at") WHERE "purchase_orders"."status" in ('closed', 'cancelled');--> statement-breakpoint
CREATE INDEX "invoices_settled_idx" ON "invoices" USING btree (coalesce("paid_at", "rejected_at")) WHERE "invoices"."status" in ('paid', 'rejected');--> statement-breakpoint
-- Accounts deactivated before this column existed: their last change is the best date there is.
UPDATE "users" SET "deactivated_at" = "updated_at" WHERE NOT "active";
