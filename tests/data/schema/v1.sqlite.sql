CREATE TABLE "coordinator_keys" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_coordinator_keys" PRIMARY KEY,
    "KeyHash" TEXT NOT NULL,
    "Label" TEXT NOT NULL,
    "CreatedAt" TEXT NOT NULL
);


CREATE TABLE "outbox" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_outbox" PRIMARY KEY AUTOINCREMENT,
    "EventId" TEXT NOT NULL,
    "EventType" TEXT NOT NULL,
    "Payload" TEXT NOT NULL,
    "CreatedAt" TEXT NOT NULL,
    "DispatchedAt" TEXT NULL,
    "LockedUntil" TEXT NULL,
    "LockToken" TEXT NULL,
    "Attempts" INTEGER NOT NULL,
    "LastError" TEXT NULL
);


CREATE TABLE "unions" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_unions" PRIMARY KEY,
    "Name" TEXT NOT NULL,
    "Country" TEXT NOT NULL,
    "Languages" TEXT NOT NULL,
    "Email" TEXT NOT NULL,
    "ApiKeyHash" TEXT NOT NULL,
    "CreatedAt" TEXT NOT NULL
);


CREATE TABLE "messages" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_messages" PRIMARY KEY,
    "SenderUnionId" TEXT NOT NULL,
    "Title" TEXT NOT NULL,
    "Body" TEXT NOT NULL,
    "Language" TEXT NULL,
    "LanguageDetected" INTEGER NOT NULL,
    "Author" TEXT NULL,
    "Publish" INTEGER NOT NULL,
    "Status" TEXT NOT NULL,
    "IdempotencyKey" TEXT NULL,
    "ReceivedAt" TEXT NOT NULL,
    "UpdatedAt" TEXT NOT NULL,
    "ModerationDecision" TEXT NULL,
    "ModerationReasons" TEXT NOT NULL,
    "DecidedBy" TEXT NULL,
    "PublishedAt" TEXT NULL,
    "PublicationUrl" TEXT NULL,
    CONSTRAINT "FK_messages_unions_SenderUnionId" FOREIGN KEY ("SenderUnionId") REFERENCES "unions" ("Id") ON DELETE CASCADE
);


CREATE TABLE "deliveries" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_deliveries" PRIMARY KEY,
    "MessageId" TEXT NOT NULL,
    "RecipientUnionId" TEXT NOT NULL,
    "Address" TEXT NOT NULL,
    "Language" TEXT NOT NULL,
    "Status" TEXT NOT NULL,
    "Detail" TEXT NULL,
    "Attempts" INTEGER NOT NULL,
    "At" TEXT NOT NULL,
    "EmailMessageId" TEXT NOT NULL,
    CONSTRAINT "FK_deliveries_messages_MessageId" FOREIGN KEY ("MessageId") REFERENCES "messages" ("Id") ON DELETE CASCADE
);


CREATE TABLE "message_recipients" (
    "MessageId" TEXT NOT NULL,
    "UnionId" TEXT NOT NULL,
    CONSTRAINT "PK_message_recipients" PRIMARY KEY ("MessageId", "UnionId"),
    CONSTRAINT "FK_message_recipients_messages_MessageId" FOREIGN KEY ("MessageId") REFERENCES "messages" ("Id") ON DELETE CASCADE,
    CONSTRAINT "FK_message_recipients_unions_UnionId" FOREIGN KEY ("UnionId") REFERENCES "unions" ("Id") ON DELETE CASCADE
);


CREATE TABLE "translations" (
    "MessageId" TEXT NOT NULL,
    "Language" TEXT NOT NULL,
    "Title" TEXT NOT NULL,
    "Body" TEXT NOT NULL,
    "Origin" TEXT NOT NULL,
    "Provider" TEXT NOT NULL,
    "At" TEXT NOT NULL,
    CONSTRAINT "PK_translations" PRIMARY KEY ("MessageId", "Language"),
    CONSTRAINT "FK_translations_messages_MessageId" FOREIGN KEY ("MessageId") REFERENCES "messages" ("Id") ON DELETE CASCADE
);


CREATE UNIQUE INDEX "IX_coordinator_keys_KeyHash" ON "coordinator_keys" ("KeyHash");


CREATE UNIQUE INDEX "IX_deliveries_MessageId_RecipientUnionId_Address" ON "deliveries" ("MessageId", "RecipientUnionId", "Address");


CREATE INDEX "IX_message_recipients_UnionId" ON "message_recipients" ("UnionId");


CREATE INDEX "IX_messages_PublishedAt" ON "messages" ("PublishedAt");


CREATE UNIQUE INDEX "IX_messages_SenderUnionId_IdempotencyKey" ON "messages" ("SenderUnionId", "IdempotencyKey");


CREATE INDEX "IX_messages_Status" ON "messages" ("Status");


CREATE INDEX "IX_outbox_DispatchedAt" ON "outbox" ("DispatchedAt");


CREATE UNIQUE INDEX "IX_outbox_EventId" ON "outbox" ("EventId");


CREATE UNIQUE INDEX "IX_unions_ApiKeyHash" ON "unions" ("ApiKeyHash");


