CREATE TABLE "stored_results" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"session_id" text,
	"user_id" text NOT NULL,
	"tool_slug" text NOT NULL,
	"data" jsonb NOT NULL,
	"size_chars" integer NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "stored_results" ADD CONSTRAINT "stored_results_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stored_results" ADD CONSTRAINT "stored_results_session_id_router_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."router_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "stored_results_expires_idx" ON "stored_results" USING btree ("expires_at");