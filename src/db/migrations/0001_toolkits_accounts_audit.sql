CREATE TABLE "connected_accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"user_id" text NOT NULL,
	"toolkit" text NOT NULL,
	"auth_scheme" text NOT NULL,
	"status" text NOT NULL,
	"status_reason" text,
	"credentials" text,
	"credential_hints" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"base_url" text,
	"server_urls" jsonb,
	"alias" text,
	"is_default" boolean DEFAULT false NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "execution_logs" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"user_id" text,
	"api_key_id" text,
	"tool_slug" text NOT NULL,
	"toolkit" text,
	"toolkit_version" text,
	"connected_account_id" text,
	"successful" boolean NOT NULL,
	"error_code" text,
	"error_message" text,
	"http_status" integer,
	"attempts" integer DEFAULT 0 NOT NULL,
	"latency_ms" integer NOT NULL,
	"request_bytes" integer DEFAULT 0 NOT NULL,
	"response_bytes" integer DEFAULT 0 NOT NULL,
	"arguments_digest" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "toolkit_versions" (
	"project_id" text NOT NULL,
	"slug" text NOT NULL,
	"version" text NOT NULL,
	"definition" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "toolkit_versions_project_id_slug_version_pk" PRIMARY KEY("project_id","slug","version")
);
--> statement-breakpoint
CREATE TABLE "toolkits" (
	"project_id" text NOT NULL,
	"slug" text NOT NULL,
	"version" text NOT NULL,
	"definition" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "toolkits_project_id_slug_pk" PRIMARY KEY("project_id","slug")
);
--> statement-breakpoint
ALTER TABLE "connected_accounts" ADD CONSTRAINT "connected_accounts_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "execution_logs" ADD CONSTRAINT "execution_logs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "toolkit_versions" ADD CONSTRAINT "toolkit_versions_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "toolkits" ADD CONSTRAINT "toolkits_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "connected_accounts_user_idx" ON "connected_accounts" USING btree ("project_id","user_id","toolkit");--> statement-breakpoint
CREATE UNIQUE INDEX "connected_accounts_one_default" ON "connected_accounts" USING btree ("project_id","user_id","toolkit") WHERE "connected_accounts"."is_default";--> statement-breakpoint
CREATE INDEX "execution_logs_project_created_idx" ON "execution_logs" USING btree ("project_id","created_at","id");