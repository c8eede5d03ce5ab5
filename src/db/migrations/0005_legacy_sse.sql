CREATE TABLE "mcp_sse_messages" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "mcp_sse_messages_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"sse_session_id" text NOT NULL,
	"payload" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mcp_sse_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"router_session_id" text,
	"user_id" text NOT NULL,
	"instance_id" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "mcp_sse_messages" ADD CONSTRAINT "mcp_sse_messages_sse_session_id_mcp_sse_sessions_id_fk" FOREIGN KEY ("sse_session_id") REFERENCES "public"."mcp_sse_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mcp_sse_sessions" ADD CONSTRAINT "mcp_sse_sessions_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mcp_sse_sessions" ADD CONSTRAINT "mcp_sse_sessions_router_session_id_router_sessions_id_fk" FOREIGN KEY ("router_session_id") REFERENCES "public"."router_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "mcp_sse_messages_session_idx" ON "mcp_sse_messages" USING btree ("sse_session_id","id");--> statement-breakpoint
CREATE INDEX "mcp_sse_sessions_heartbeat_idx" ON "mcp_sse_sessions" USING btree ("heartbeat_at");