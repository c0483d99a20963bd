-- Audit without a global lock: writers insert entries unsealed; one sealer at
-- a time gives each committed entry its place in the hash chain (db/audit-sealer.ts).
CREATE TABLE "audit_seal_state" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"last_seq" bigint DEFAULT 0 NOT NULL,
	"last_hash" text NOT NULL,
	"sealed_at" timestamp with time zone,
	CONSTRAINT "audit_seal_state_single_row" CHECK ("audit_seal_state"."id")
);
--> statement-breakpoint
ALTER TABLE "audit_log" ALTER COLUMN "prev_hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_log" ALTER COLUMN "hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "seal_seq" bigint;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "sealed_at" timestamp with time zone;--> statement-breakpoint
-- Entries written before this migration were chained in id order under the old
-- lock, with the same hash as now: they become seals 1..n in id order, as they are.
ALTER TABLE "audit_log" DISABLE TRIGGER "audit_log_no_update_delete";--> statement-breakpoint
UPDATE "audit_log" AS a SET "seal_seq" = o."seq", "sealed_at" = a."at"
  FROM (SELECT "id", row_number() OVER (ORDER BY "id") AS "seq" FROM "audit_log") AS o
  WHERE a."id" = o."id";--> statement-breakpoint
ALTER TABLE "audit_log" ENABLE TRIGGER "audit_log_no_update_delete";--> statement-breakpoint
INSERT INTO "audit_seal_state" ("id", "last_seq", "last_hash", "sealed_at")
  SELECT true, count(*), coalesce((SELECT "hash" FROM "audit_log" ORDER BY "id" DESC LIMIT 1), repeat('0', 64)), max("at")
  FROM "audit_log";--> statement-breakpoint
CREATE INDEX "audit_unsealed_idx" ON "audit_log" USING btree ("id") WHERE "audit_log"."seal_seq" is null;--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_seal_seq_unique" UNIQUE("seal_seq");--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_sealed_whole" CHECK (("audit_log"."seal_seq" is null) = ("audit_log"."prev_hash" is null) and ("audit_log"."seal_seq" is null) = ("audit_log"."hash" is null) and ("audit_log"."seal_seq" is null) = ("audit_log"."sealed_at" is null));--> statement-breakpoint
-- UPDATE is refused except sealing: an unsealed entry gets its seal columns once,
-- and every other column (today's and any added later) stays as written.
CREATE OR REPLACE FUNCTION audit_log_seal_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.seal_seq IS NULL AND NEW.seal_seq IS NOT NULL
     AND (to_jsonb(NEW) - 'seal_seq' - 'prev_hash' - 'hash' - 'sealed_at')
       = (to_jsonb(OLD) - 'seal_seq' - 'prev_hash' - 'hash' - 'sealed_at') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: UPDATE of entry % refused (only its one-time seal is allowed)', OLD.id
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
DROP TRIGGER "audit_log_no_update_delete" ON "audit_log";--> statement-breakpoint
CREATE TRIGGER audit_log_no_delete
  BEFORE DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_log_seal_once
  BEFORE UPDATE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_seal_once();
--> statement-breakpoint
-- The chain's head moves forward only; its row is never removed.
CREATE OR REPLACE FUNCTION audit_seal_state_forward_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id AND NEW.last_seq >= OLD.last_seq THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_seal_state moves forward only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_seal_state_forward_only
  BEFORE UPDATE OR DELETE ON audit_seal_state
  FOR EACH ROW EXECUTE FUNCTION audit_seal_state_forward_only();
--> statement-breakpoint
CREATE TRIGGER audit_seal_state_no_truncate
  BEFORE TRUNCATE ON audit_seal_state
  FOR EACH STATEMENT EXECUTE FUNCTION audit_seal_state_forward_only();
