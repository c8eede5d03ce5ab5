CREATE TABLE "connect_links" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"user_id" text NOT NULL,
	"toolkit" text NOT NULL,
	"auth_scheme" text NOT NULL,
	"auth_config_id" text,
	"connected_account_id" text NOT NULL,
	"reconnect" boolean DEFAULT false NOT NULL,
	"callback_url" text,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"completed_at" timestamp (3) with time zone,
	"oauth_state_hash" text,
	"code_verifier" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "user_id" text;--> statement-breakpoint
ALTER TABLE "auth_configs" ADD COLUMN "authorization_url" text;--> statement-breakpoint
ALTER TABLE "auth_configs" ADD COLUMN "token_url" text;--> statement-breakpoint
ALTER TABLE "auth_configs" ADD COLUMN "revocation_url" text;--> statement-breakpoint
ALTER TABLE "connected_accounts" ADD COLUMN "auth_config_id" text;--> statement-breakpoint
ALTER TABLE "connected_accounts" ADD COLUMN "credentials_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "connected_accounts" ADD COLUMN "token_expires_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "connect_links" ADD CONSTRAINT "connect_links_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connect_links" ADD CONSTRAINT "connect_links_auth_config_id_auth_configs_id_fk" FOREIGN KEY ("auth_config_id") REFERENCES "public"."auth_configs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connect_links" ADD CONSTRAINT "connect_links_connected_account_id_connected_accounts_id_fk" FOREIGN KEY ("connected_account_id") REFERENCES "public"."connected_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "connect_links_account_idx" ON "connect_links" USING btree ("connected_account_id");--> statement-breakpoint
CREATE INDEX "connect_links_pending_idx" ON "connect_links" USING btree ("expires_at") WHERE "connect_links"."completed_at" is null;--> statement-breakpoint
ALTER TABLE "connected_accounts" ADD CONSTRAINT "connected_accounts_auth_config_id_auth_configs_id_fk" FOREIGN KEY ("auth_config_id") REFERENCES "public"."auth_configs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "connected_accounts_auth_config_idx" ON "connected_accounts" USING btree ("auth_config_id");