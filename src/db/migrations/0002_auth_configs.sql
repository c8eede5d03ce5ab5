CREATE TABLE "auth_configs" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"toolkit" text NOT NULL,
	"name" text NOT NULL,
	"scheme" text NOT NULL,
	"client_id" text,
	"client_secret" text,
	"scopes" text[] DEFAULT '{}'::text[] NOT NULL,
	"allowed_tools" text[],
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "auth_configs" ADD CONSTRAINT "auth_configs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "auth_configs_project_toolkit_idx" ON "auth_configs" USING btree ("project_id","toolkit");