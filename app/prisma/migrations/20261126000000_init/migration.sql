-- CreateTable
CREATE TABLE "Entry" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(80) NOT NULL,
    "message" VARCHAR(500) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Entry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Entry_createdAt_idx" ON "Entry"("createdAt");
