CREATE TABLE "mcp_transport_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"router_session_id" text,
	"user_id" text NOT NULL,
	"protocol_version" text NOT NULL,
	"client_info" jsonb,
	"log_level" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "router_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"user_id" text NOT NULL,
	"config" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_by_key_id" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "auth_configs" ADD COLUMN "base_url" text;--> statement-breakpoint
ALTER TABLE "mcp_transport_sessions" ADD CONSTRAINT "mcp_transport_sessions_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mcp_transport_sessions" ADD CONSTRAINT "mcp_transport_sessions_router_session_id_router_sessions_id_fk" FOREIGN KEY ("router_session_id") REFERENCES "public"."router_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "router_sessions" ADD CONSTRAINT "router_sessions_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "router_sessions_project_created_idx" ON "router_sessions" USING btree ("project_id","created_at","id");