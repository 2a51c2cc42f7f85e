namespace Relay.Storage;

/// <summary>
/// One change to the database schema, in the SQL of each provider. A new database is created from
/// the model in full and marked with every version; an existing one gets the changes it lacks, in
/// order, each in a transaction. A change is additive: new tables, new nullable or defaulted columns.
/// </summary>
public sealed record SchemaChange(int Version, string Description, string Sqlite, string Postgres);

public static class SchemaChanges
{
    /// <summary>Version 1 is the schema the first release created; every later version is listed here.</summary>
    public static readonly IReadOnlyList<SchemaChange> All =
    [
        new(2, "translation providers: pivots, language flags, glossary, cache, usage",
            Sqlite: """
                ALTER TABLE "messages" ADD COLUMN "DetectionConfidence" REAL NULL;
                ALTER TABLE "messages" ADD COLUMN "LanguageFlags" TEXT NOT NULL DEFAULT '[]';
                ALTER TABLE "messages" ADD COLUMN "TranslationNotes" TEXT NOT NULL DEFAULT '[]';
                ALTER TABLE "translations" ADD COLUMN "Path" TEXT NULL;
                CREATE TABLE "glossary_terms" (
                    "Id" TEXT NOT NULL CONSTRAINT "PK_glossary_terms" PRIMARY KEY,
                    "Term" TEXT NOT NULL,
                    "Note" TEXT NULL,
                    "CreatedAt" TEXT NOT NULL);
                CREATE UNIQUE INDEX "IX_glossary_terms_Term" ON "glossary_terms" ("Term");
                CREATE TABLE "glossary_renderings" (
                    "TermId" TEXT NOT NULL,
                    "Language" TEXT NOT NULL,
                    "Text" TEXT NOT NULL,
                    CONSTRAINT "PK_glossary_renderings" PRIMARY KEY ("TermId", "Language"),
                    CONSTRAINT "FK_glossary_renderings_glossary_terms_TermId" FOREIGN KEY ("TermId") REFERENCES "glossary_terms" ("Id") ON DELETE CASCADE);
                CREATE TABLE "translation_cache" (
                    "Key" TEXT NOT NULL CONSTRAINT "PK_translation_cache" PRIMARY KEY,
                    "From" TEXT NOT NULL,
                    "To" TEXT NOT NULL,
                    "Text" TEXT NOT NULL,
                    "Provider" TEXT NOT NULL,
                    "CreatedAt" TEXT NOT NULL);
                CREATE TABLE "provider_usage" (
                    "Provider" TEXT NOT NULL,
                    "Day" TEXT NOT NULL,
                    "Characters" INTEGER NOT NULL,
                    "Requests" INTEGER NOT NULL,
                    CONSTRAINT "PK_provider_usage" PRIMARY KEY ("Provider", "Day"));
                """,
            Postgres: """
                ALTER TABLE messages ADD COLUMN "DetectionConfidence" double precision;
                ALTER TABLE messages ADD COLUMN "LanguageFlags" text[] NOT NULL DEFAULT ARRAY[]::text[];
                ALTER TABLE messages ADD COLUMN "TranslationNotes" text[] NOT NULL DEFAULT ARRAY[]::text[];
                ALTER TABLE translations ADD COLUMN "Path" text;
                CREATE TABLE glossary_terms (
                    "Id" uuid NOT NULL,
                    "Term" character varying(200) NOT NULL,
                    "Note" text,
                    "CreatedAt" timestamp with time zone NOT NULL,
                    CONSTRAINT "PK_glossary_terms" PRIMARY KEY ("Id"));
                CREATE UNIQUE INDEX "IX_glossary_terms_Term" ON glossary_terms ("Term");
                CREATE TABLE glossary_renderings (
                    "TermId" uuid NOT NULL,
                    "Language" text NOT NULL,
                    "Text" text NOT NULL,
                    CONSTRAINT "PK_glossary_renderings" PRIMARY KEY ("TermId", "Language"),
                    CONSTRAINT "FK_glossary_renderings_glossary_terms_TermId" FOREIGN KEY ("TermId") REFERENCES glossary_terms ("Id") ON DELETE CASCADE);
                CREATE TABLE translation_cache (
                    "Key" character varying(64) NOT NULL,
                    "From" text NOT NULL,
                    "To" text NOT NULL,
                    "Text" text NOT NULL,
                    "Provider" text NOT NULL,
                    "CreatedAt" timestamp with time zone NOT NULL,
                    CONSTRAINT "PK_translation_cache" PRIMARY KEY ("Key"));
                CREATE TABLE provider_usage (
                    "Provider" text NOT NULL,
                    "Day" date NOT NULL,
                    "Characters" bigint NOT NULL,
                    "Requests" integer NOT NULL,
                    CONSTRAINT "PK_provider_usage" PRIMARY KEY ("Provider", "Day"));
                """),
        new(3, "delivery retry schedule kept in the database",
            Sqlite: """
                ALTER TABLE "deliveries" ADD COLUMN "FirstAttemptAt" TEXT NULL;
                ALTER TABLE "deliveries" ADD COLUMN "NextAttemptAt" TEXT NULL;
                CREATE INDEX "IX_deliveries_Status_NextAttemptAt" ON "deliveries" ("Status", "NextAttemptAt");
                """,
            Postgres: """
                ALTER TABLE deliveries ADD COLUMN "FirstAttemptAt" timestamp with time zone;
                ALTER TABLE deliveries ADD COLUMN "NextAttemptAt" timestamp with time zone;
                CREATE INDEX "IX_deliveries_Status_NextAttemptAt" ON deliveries ("Status", "NextAttemptAt");
                """),
        new(4, "opt-out and bounce suppression, sender summaries",
            Sqlite: """
                ALTER TABLE "unions" ADD COLUMN "SuppressedAt" TEXT NULL;
                ALTER TABLE "unions" ADD COLUMN "SuppressedReason" TEXT NULL;
                ALTER TABLE "unions" ADD COLUMN "BounceCount" INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE "unions" ADD COLUMN "LastBounceAt" TEXT NULL;
                ALTER TABLE "unions" ADD COLUMN "SuppressionNoticeSentAt" TEXT NULL;
                ALTER TABLE "messages" ADD COLUMN "SummarySentAt" TEXT NULL;
                CREATE TABLE "bounces" (
                    "Key" TEXT NOT NULL CONSTRAINT "PK_bounces" PRIMARY KEY,
                    "Address" TEXT NOT NULL,
                    "Action" TEXT NOT NULL,
                    "Status" TEXT NOT NULL,
                    "Diagnostic" TEXT NULL,
                    "Hard" INTEGER NOT NULL,
                    "UnionId" TEXT NULL,
                    "DeliveryId" TEXT NULL,
                    "ReceivedAt" TEXT NOT NULL);
                CREATE INDEX "IX_bounces_UnionId" ON "bounces" ("UnionId");
                """,
            Postgres: """
                ALTER TABLE unions ADD COLUMN "SuppressedAt" timestamp with time zone;
                ALTER TABLE unions ADD COLUMN "SuppressedReason" text;
                ALTER TABLE unions ADD COLUMN "BounceCount" integer NOT NULL DEFAULT 0;
                ALTER TABLE unions ADD COLUMN "LastBounceAt" timestamp with time zone;
                ALTER TABLE unions ADD COLUMN "SuppressionNoticeSentAt" timestamp with time zone;
                ALTER TABLE messages ADD COLUMN "SummarySentAt" timestamp with time zone;
                CREATE TABLE bounces (
                    "Key" character varying(64) NOT NULL,
                    "Address" text NOT NULL,
                    "Action" text NOT NULL,
                    "Status" text NOT NULL,
                    "Diagnostic" text,
                    "Hard" boolean NOT NULL,
                    "UnionId" uuid,
                    "DeliveryId" uuid,
                    "ReceivedAt" timestamp with time zone NOT NULL,
                    CONSTRAINT "PK_bounces" PRIMARY KEY ("Key"));
                CREATE INDEX "IX_bounces_UnionId" ON bounces ("UnionId");
                """),
        new(5, "a union can ask that every message to it is reviewed first",
            Sqlite: """
                ALTER TABLE "unions" ADD COLUMN "ReviewIncoming" INTEGER NOT NULL DEFAULT 0;
                """,
            Postgres: """
                ALTER TABLE unions ADD COLUMN "ReviewIncoming" boolean NOT NULL DEFAULT FALSE;
                """),
        new(6, "the review desk: audit log, publications taken down",
            Sqlite: """
                ALTER TABLE "messages" ADD COLUMN "TakenDownAt" TEXT NULL;
                ALTER TABLE "messages" ADD COLUMN "TakedownReason" TEXT NULL;
                CREATE TABLE "audit_log" (
                    "Id" TEXT NOT NULL CONSTRAINT "PK_audit_log" PRIMARY KEY,
                    "At" TEXT NOT NULL,
                    "Actor" TEXT NOT NULL,
                    "Action" TEXT NOT NULL,
                    "MessageId" TEXT NULL,
                    "Detail" TEXT NULL,
                    "Reason" TEXT NULL);
                CREATE INDEX "IX_audit_log_At" ON "audit_log" ("At");
                CREATE INDEX "IX_audit_log_MessageId" ON "audit_log" ("MessageId");
                """,
            Postgres: """
                ALTER TABLE messages ADD COLUMN "TakenDownAt" timestamp with time zone;
                ALTER TABLE messages ADD COLUMN "TakedownReason" text;
                CREATE TABLE audit_log (
                    "Id" uuid NOT NULL,
                    "At" timestamp with time zone NOT NULL,
                    "Actor" text NOT NULL,
                    "Action" text NOT NULL,
                    "MessageId" uuid,
                    "Detail" text,
                    "Reason" text,
                    CONSTRAINT "PK_audit_log" PRIMARY KEY ("Id"));
                CREATE INDEX "IX_audit_log_At" ON audit_log ("At");
                CREATE INDEX "IX_audit_log_MessageId" ON audit_log ("MessageId");
                """),
        new(7, "supporters and unconfirmed senders, email intake, emailed sign-in links",
            // SQLite cannot drop a NOT NULL with ALTER TABLE; its documented way for this one change is to
            // edit the table's stored definition (sqlite.org/lang_altertable.html, "Making Other Kinds Of
            // Table Schema Changes"), after which RelaySchema bumps the schema version.
            Sqlite: """
                CREATE TABLE "supporters" (
                    "Id" TEXT NOT NULL CONSTRAINT "PK_supporters" PRIMARY KEY,
                    "Name" TEXT NOT NULL,
                    "Organisation" TEXT NULL,
                    "Email" TEXT NOT NULL,
                    "CreatedAt" TEXT NOT NULL);
                CREATE UNIQUE INDEX "IX_supporters_Email" ON "supporters" ("Email");
                ALTER TABLE "messages" ADD COLUMN "SupporterId" TEXT NULL CONSTRAINT "FK_messages_supporters_SupporterId" REFERENCES "supporters" ("Id");
                ALTER TABLE "messages" ADD COLUMN "Channel" TEXT NOT NULL DEFAULT 'api';
                ALTER TABLE "messages" ADD COLUMN "ConfirmationAddress" TEXT NULL;
                ALTER TABLE "messages" ADD COLUMN "ConfirmationSentAt" TEXT NULL;
                ALTER TABLE "messages" ADD COLUMN "ConfirmedAt" TEXT NULL;
                CREATE UNIQUE INDEX "IX_messages_SupporterId_IdempotencyKey" ON "messages" ("SupporterId", "IdempotencyKey");
                ALTER TABLE "unions" ADD COLUMN "SignInLinkSentAt" TEXT NULL;
                ALTER TABLE "unions" ADD COLUMN "SignInLinksSpentUntil" TEXT NULL;
                CREATE TABLE "inbound_mails" (
                    "Key" TEXT NOT NULL CONSTRAINT "PK_inbound_mails" PRIMARY KEY,
                    "From" TEXT NOT NULL,
                    "Subject" TEXT NULL,
                    "Outcome" TEXT NOT NULL,
                    "Detail" TEXT NULL,
                    "MessageId" TEXT NULL,
                    "ReceivedAt" TEXT NOT NULL,
                    "RepliedAt" TEXT NULL);
                CREATE INDEX "IX_inbound_mails_ReceivedAt" ON "inbound_mails" ("ReceivedAt");
                PRAGMA writable_schema = ON;
                UPDATE sqlite_schema SET sql = replace(sql, '"SenderUnionId" TEXT NOT NULL', '"SenderUnionId" TEXT NULL')
                    WHERE type = 'table' AND name = 'messages';
                PRAGMA writable_schema = OFF;
                """,
            Postgres: """
                CREATE TABLE supporters (
                    "Id" uuid NOT NULL,
                    "Name" character varying(200) NOT NULL,
                    "Organisation" character varying(200),
                    "Email" character varying(320) NOT NULL,
                    "CreatedAt" timestamp with time zone NOT NULL,
                    CONSTRAINT "PK_supporters" PRIMARY KEY ("Id"));
                CREATE UNIQUE INDEX "IX_supporters_Email" ON supporters ("Email");
                ALTER TABLE messages ALTER COLUMN "SenderUnionId" DROP NOT NULL;
                ALTER TABLE messages ADD COLUMN "SupporterId" uuid CONSTRAINT "FK_messages_supporters_SupporterId" REFERENCES supporters ("Id");
                ALTER TABLE messages ADD COLUMN "Channel" character varying(32) NOT NULL DEFAULT 'api';
                ALTER TABLE messages ADD COLUMN "ConfirmationAddress" text;
                ALTER TABLE messages ADD COLUMN "ConfirmationSentAt" timestamp with time zone;
                ALTER TABLE messages ADD COLUMN "ConfirmedAt" timestamp with time zone;
                CREATE UNIQUE INDEX "IX_messages_SupporterId_IdempotencyKey" ON messages ("SupporterId", "IdempotencyKey");
                ALTER TABLE unions ADD COLUMN "SignInLinkSentAt" timestamp with time zone;
                ALTER TABLE unions ADD COLUMN "SignInLinksSpentUntil" timestamp with time zone;
                CREATE TABLE inbound_mails (
                    "Key" character varying(64) NOT NULL,
                    "From" text NOT NULL,
                    "Subject" text,
                    "Outcome" text NOT NULL,
                    "Detail" text,
                    "MessageId" uuid,
                    "ReceivedAt" timestamp with time zone NOT NULL,
                    "RepliedAt" timestamp with time zone,
                    CONSTRAINT "PK_inbound_mails" PRIMARY KEY ("Key"));
                CREATE INDEX "IX_inbound_mails_ReceivedAt" ON inbound_mails ("ReceivedAt");
                """),
        new(8, "indexes for the public site: visible messages, the newest change, the language menu",
            Sqlite: """
                DROP INDEX IF EXISTS "IX_messages_PublishedAt";
                CREATE INDEX "IX_messages_PublishedAt_TakenDownAt" ON "messages" ("PublishedAt", "TakenDownAt");
                CREATE INDEX "IX_messages_UpdatedAt" ON "messages" ("UpdatedAt");
                CREATE INDEX "IX_messages_Language" ON "messages" ("Language");
                CREATE INDEX "IX_translations_At" ON "translations" ("At");
                CREATE INDEX "IX_translations_Language" ON "translations" ("Language");
                """,
            Postgres: """
                DROP INDEX IF EXISTS "IX_messages_PublishedAt";
                CREATE INDEX "IX_messages_PublishedAt_TakenDownAt" ON messages ("PublishedAt", "TakenDownAt");
                CREATE INDEX "IX_messages_UpdatedAt" ON messages ("UpdatedAt");
                CREATE INDEX "IX_messages_Language" ON messages ("Language");
                CREATE INDEX "IX_translations_At" ON translations ("At");
                CREATE INDEX "IX_translations_Language" ON translations ("Language");
                """),
        new(9, "the sender's summary is claimed for a while, not for ever: a worker killed mid-send leaves it due again",
            Sqlite: """
                ALTER TABLE "messages" ADD COLUMN "SummaryClaimedUntil" TEXT NULL;
                """,
            Postgres: """
                ALTER TABLE messages ADD COLUMN "SummaryClaimedUntil" timestamp with time zone;
                """),
        new(10, "personal data: anonymised after a retention period, erased on request",
            Sqlite: """
                ALTER TABLE "messages" ADD COLUMN "AnonymisedAt" TEXT NULL;
                ALTER TABLE "supporters" ADD COLUMN "AnonymisedAt" TEXT NULL;
                ALTER TABLE "inbound_mails" ADD COLUMN "AnonymisedAt" TEXT NULL;
                ALTER TABLE "unions" ADD COLUMN "ErasedAt" TEXT NULL;
                CREATE INDEX "IX_messages_AnonymisedAt_ReceivedAt" ON "messages" ("AnonymisedAt", "ReceivedAt");
                """,
            Postgres: """
                ALTER TABLE messages ADD COLUMN "AnonymisedAt" timestamp with time zone;
                ALTER TABLE supporters ADD COLUMN "AnonymisedAt" timestamp with time zone;
                ALTER TABLE inbound_mails ADD COLUMN "AnonymisedAt" timestamp with time zone;
                ALTER TABLE unions ADD COLUMN "ErasedAt" timestamp with time zone;
                CREATE INDEX "IX_messages_AnonymisedAt_ReceivedAt" ON messages ("AnonymisedAt", "ReceivedAt");
                """),
    ];

    public static int Latest => All.Count == 0 ? 1 : All.Max(c => c.Version);
}
